#!/usr/bin/env bash
# Benchmarks (root, Debian 12; ./dev.sh bench installs scripts/packages.txt and
# scripts/bench-packages.txt, then runs it): overhead, pipeline rate, footprint, latency,
# startup and poll cost of the daemon, side by side with peers in one run, in alternating rounds. Prints one
# table. Not part of the test suite.
#   scripts/bench.sh [--quick] [--pipeline]   full run ~12 min; --quick is a short smoke run (~3 min);
#                                             --pipeline runs only the event pipeline and latency sections
# Changes to the machine, all undone on exit: kernel.bpf_stats_enabled for the per-program run,
# tracefs mounted at /sys/kernel/tracing while bpftrace runs (if it was not mounted).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0 PIPELINE=0
for arg in "$@"; do
    case $arg in
        --quick) QUICK=1 ;;
        --pipeline) PIPELINE=1 ;;
        *) echo "usage: scripts/bench.sh [--quick] [--pipeline]" >&2; exit 2 ;;
    esac
done
if [ $QUICK = 1 ]; then
    ROUNDS=2 IPERF_S=2 STATS_ROUNDS=1 PIPE_ROUNDS=1 STEP_S=1 FOOT_S=10 LAT_ROUNDS=2 PP_N=5000
else
    ROUNDS=5 IPERF_S=5 STATS_ROUNDS=3 PIPE_ROUNDS=3 STEP_S=2 FOOT_S=60 LAT_ROUNDS=3 PP_N=20000
fi
LAT_N=100                       # events per latency round
POLL_N=200                      # Jolokia bulk reads per round
ZBX_N=50                        # Zabbix gateway polls per round
LADDER="5000 10000 20000 30000 50000 70000 100000 150000 200000 300000 500000 700000 1000000 1500000 2000000"
PORT=9878                       # daemon JMX, Jolokia and Prometheus ports: away from the defaults
JOLOKIA_PORT=8788
PROM_PORT=9414
ZBX_PORT=10058                  # the Zabbix Java gateway started for the poll cost
IPERF_PORT=5208
PP_PORT=5209                    # bench/pingpong's loopback server
# The packaged launcher's default JVM options, so that RSS is the shipped one.
eval "$(grep -E '^(HUATUO_JAVA_OPTS|export MALLOC_[A-Z_]+)=' packaging/rpm/huatuo-jmx-jsvc)" # HUATUO_JAVA_OPTS overrides
JAVA_OPTS=$HUATUO_JAVA_OPTS
# and its class-data-sharing option: the first daemon run writes the archive when it stops, later ones map it
cds_option() { packaging/rpm/huatuo-jmx-jsvc cds-option target/huatuo-jmx.jar target; }
BPFTRACE_PROG='tracepoint:skb:kfree_skb,tracepoint:net:netif_receive_skb,tracepoint:skb:skb_copy_datagram_iovec { @[probe] = count(); }'

[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 2; }

echo "bench: building" >&2
mvn -q -B -DskipTests package >/tmp/huatuo-bench8-build.log 2>&1 || { cat /tmp/huatuo-bench8-build.log >&2; exit 1; }
make -s -C bench OUT="$PWD/target/bench" VMLINUX="$PWD/target/bpf"

W=$(mktemp -d /tmp/huatuo-bench8.XXXX)
RES=$W/results.tsv
CP=target/test-classes:target/huatuo-jmx.jar
GEN="target/bench/ringgen target/bench/gen.bpf.o"
cat >"$W/cfg.yaml" <<EOF
dataDir: $W/data
jmx:
  port: $PORT
jolokia:
  port: $JOLOKIA_PORT
prometheus:
  port: $PROM_PORT
EOF
# The pipeline's daemons: dropwatch's rate limit lifted, as an operator who wants every event
# reported sets it; its ring is then sized for 100 ms at that limit (4 MiB, the most).
printf 'tracers:\n  dropwatch:\n    maxEventsPerSecond: 1000000\n' | cat "$W/cfg.yaml" - >"$W/cfg-pipe.yaml"
printf 'record:\n  enabled: false\n' | cat "$W/cfg-pipe.yaml" - >"$W/cfg-norecord.yaml"

DPID= BTPID= ISRV= GWPID= MOUNTED=0
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null || true
    [ -n "$BTPID" ] && kill "$BTPID" 2>/dev/null || true
    [ -n "${APID:-}" ] && kill "$APID" 2>/dev/null || true
    [ -n "$ISRV" ] && kill "$ISRV" 2>/dev/null || true
    [ -n "$GWPID" ] && kill "$GWPID" 2>/dev/null || true
    sleep 0.5
    [ $MOUNTED = 1 ] && umount /sys/kernel/tracing 2>/dev/null || true
    sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
    rm -rf "$W"
}
trap cleanup EXIT

say() { echo "bench: $*" >&2; }
client() { java -cp "$CP" io.huatuo.jmx.bench.BenchClient "$@"; }
result() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$RES"; }
note() { printf '#\t%s\n' "$1" >>"$RES"; }
join() { local IFS=,; echo "$*"; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }

# Starts the daemon with every tracer at its defaults (or config $1); sets DPID, appends the startup time.
STARTUPS=()
daemon_start() {
    local out
    # shellcheck disable=SC2086
    # --quiet: no line per event on stdout, as the service runs (console: false)
    out=$(client start $PORT "$W/daemon.log" java $JAVA_OPTS $(cds_option) -jar target/huatuo-jmx.jar --config "${1:-$W/cfg.yaml}" --quiet)
    DPID=$(kv pid <<<"$out")
    local ms
    ms=$(kv startup_ms <<<"$out")
    [ "$ms" -ge 0 ] || { say "daemon did not come up: $out"; tail -20 "$W/daemon.log" >&2; exit 1; }
    STARTUPS+=("$(awk -v m="$ms" 'BEGIN{print m/1000}')")
}
daemon_stop() {
    kill "$DPID"
    while kill -0 "$DPID" 2>/dev/null; do sleep 0.1; done
    DPID=
}
bpftrace_start() {
    if ! mountpoint -q /sys/kernel/tracing; then
        mount -t tracefs tracefs /sys/kernel/tracing
        MOUNTED=1
    fi
    bpftrace -e "$BPFTRACE_PROG" >"$W/bpftrace.log" 2>&1 &
    BTPID=$!
    for _ in $(seq 100); do grep -q Attaching "$W/bpftrace.log" && break; sleep 0.1; done
    sleep 1
}
bpftrace_stop() {
    kill -INT "$BTPID"
    wait "$BTPID" || true
    BTPID=
    if [ $MOUNTED = 1 ]; then umount /sys/kernel/tracing; MOUNTED=0; fi
}
iperf() { iperf3 -c 127.0.0.1 -p $IPERF_PORT -t "$IPERF_S" -J | python3 scripts/bench_util.py gbps; }

if [ $PIPELINE = 0 ]; then
iperf3 -s -B 127.0.0.1 -p $IPERF_PORT >/dev/null 2>&1 &
ISRV=$!
sleep 0.5

# 1. Loopback TCP throughput: none, daemon (every tracer at defaults), bpftrace; alternating rounds.
say "1/6 loopback throughput, $ROUNDS rounds of none, daemon, bpftrace (${IPERF_S}s each)"
BASE=() OURS=() PEER=()
for r in $(seq "$ROUNDS"); do
    none=$(iperf)
    daemon_start; sleep 1; ours=$(iperf); daemon_stop
    bpftrace_start; peer=$(iperf); bpftrace_stop
    BASE+=("$none")
    OURS+=("$(awk -v a="$ours" -v b="$none" 'BEGIN{printf "%.4f", a/b}')")
    PEER+=("$(awk -v a="$peer" -v b="$none" 'BEGIN{printf "%.4f", a/b}')")
    say "  round $r: none $none, daemon $ours, bpftrace $peer Gbit/s"
done
result "loopback TCP Gbit/s, no tracing" "-" "$(join "${BASE[@]}")"
result "throughput ratio, daemon (all tracers)" "-" "$(join "${OURS[@]}")" "vs no tracing, same round"
result "throughput ratio, bpftrace (peer)" "-" "$(join "${PEER[@]}")" "3 tracepoints counted"
# The daemon's throughput loss over the peer's, per round (nan when the peer lost nothing that round);
# the note has the same from the medians, steadier on a noisy machine.
LOSS=()
for i in "${!OURS[@]}"; do
    LOSS+=("$(awk -v d="${OURS[$i]}" -v p="${PEER[$i]}" 'BEGIN{ if (p < 1) printf "%.3f", (1-d)/(1-p); else print "nan" }')")
done
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
result "overhead ratio, daemon loss / bpftrace loss" "<=0.5" "$(join "${LOSS[@]}")" \
    "loss = 1 - throughput ratio, same round; from the medians: $(awk -v d="$(med "${OURS[@]}")" -v p="$(med "${PEER[@]}")" 'BEGIN{ if (p < 1) printf "%.3f", (1-d)/(1-p); else print "n/a (peer lost nothing)" }')"

# 1a. Request/response latency, what a service feels: bench/pingpong's 1-byte ping-pong over
# loopback TCP, none, daemon, bpftrace; alternating rounds.
say "1a/6 loopback ping-pong latency, $ROUNDS rounds of none, daemon, bpftrace ($PP_N round trips each)"
pingpong() { target/bench/pingpong $PP_PORT "$PP_N"; }
PPN50=() PPN99=() PPD50=() PPD99=() PPB50=() PPB99=()
for r in $(seq "$ROUNDS"); do
    none=$(pingpong)
    daemon_start; sleep 1; ours=$(pingpong); daemon_stop
    bpftrace_start; peer=$(pingpong); bpftrace_stop
    PPN50+=("$(kv p50_us <<<"$none")") PPN99+=("$(kv p99_us <<<"$none")")
    PPD50+=("$(kv p50_us <<<"$ours")") PPD99+=("$(kv p99_us <<<"$ours")")
    PPB50+=("$(kv p50_us <<<"$peer")") PPB99+=("$(kv p99_us <<<"$peer")")
    say "  round $r: none $none; daemon $ours; bpftrace $peer"
done
result "ping-pong p50 (us), no tracing" "-" "$(join "${PPN50[@]}")" "1-byte request/response, $PP_N per round"
result "ping-pong p50 (us), daemon (all tracers)" "-" "$(join "${PPD50[@]}")" "same rounds"
result "ping-pong p50 (us), bpftrace (peer)" "-" "$(join "${PPB50[@]}")" "same rounds"
result "ping-pong p99 (us), no tracing" "-" "$(join "${PPN99[@]}")"
result "ping-pong p99 (us), daemon (all tracers)" "-" "$(join "${PPD99[@]}")"
result "ping-pong p99 (us), bpftrace (peer)" "-" "$(join "${PPB99[@]}")"

# 1b. ns per run of each program, kernel.bpf_stats_enabled=1 in separate rounds (it costs throughput).
say "1b/6 ns per run (kernel.bpf_stats_enabled), $STATS_ROUNDS rounds"
sysctl -qw kernel.bpf_stats_enabled=1
: >"$W/progs.tsv"
for r in $(seq "$STATS_ROUNDS"); do
    daemon_start; sleep 1; iperf >/dev/null
    python3 scripts/bench_util.py progs "$DPID" | sed "s/^/ours\t/; s/\$/\t$r/" >>"$W/progs.tsv"
    daemon_stop
    bpftrace_start; iperf >/dev/null
    python3 scripts/bench_util.py progs "$BTPID" | sed "s/^/peer\t/; s/\$/\t$r/" >>"$W/progs.tsv"
    bpftrace_stop
    # the floor of each hook and the parts of ours (bench/floor.bpf.c), same load
    target/bench/attach target/bench/floor.bpf.o >"$W/attach.log" 2>&1 &
    APID=$!
    for _ in $(seq 100); do grep -q attached "$W/attach.log" && break; sleep 0.1; done
    iperf >/dev/null
    python3 scripts/bench_util.py progs "$APID" | sed "s/^/parts\t/; s/\$/\t$r/" >>"$W/progs.tsv"
    kill "$APID"; wait "$APID" 2>/dev/null || true
    APID=
done
# 1c. The daemon's own kernel cost against bpf_stats: KernelCostNanosPerSecond summed over the tracers
# (its default 5 s window, here one every 6 s) and the run time of every program the daemon holds, read
# by the bench over 12 s of the same iperf3 load, which hold the daemon's last window. The load is
# steady but not flat: 1 s windows of the two read 40-67 ms/s apart in one run, so both are long.
printf 'kernelCost:\n  periodSeconds: 6\n  windowSeconds: 5\n' | cat "$W/cfg.yaml" - >"$W/cfg-cost.yaml"
say "1c/6 kernel cost attribute vs bpf_stats, $STATS_ROUNDS rounds"
COSTDEV=() COSTS=()
for r in $(seq "$STATS_ROUNDS"); do
    daemon_start "$W/cfg-cost.yaml"
    iperf3 -c 127.0.0.1 -p $IPERF_PORT -t 16 >/dev/null 2>&1 &
    IPID=$!
    sleep 1
    r0=$(python3 scripts/bench_util.py runtime "$DPID"); t0=$(date +%s%N)
    sleep 12
    r1=$(python3 scripts/bench_util.py runtime "$DPID"); t1=$(date +%s%N)
    own=$(client cost $PORT)
    wait $IPID || true
    daemon_stop
    theirs=$(awk -v a="$r0" -v b="$r1" -v s="$t0" -v e="$t1" 'BEGIN{printf "%.0f", (b-a)/((e-s)/1e9)}')
    ours=$(kv ns_per_s <<<"$own")
    COSTDEV+=("$(awk -v o="$ours" -v t="$theirs" 'BEGIN{d=o/t-1; printf "%.3f", d<0?-d:d}')")
    COSTS+=("$ours/$theirs")
    say "  round $r: attribute $own; bpf_stats ${theirs} ns/s"
done
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
result "kernel cost: |KernelCostNanosPerSecond / bpf_stats - 1|" "<=0.2" "$(join "${COSTDEV[@]}")" \
    "all tracers, ns/s under iperf3, attribute/bpf_stats per round: ${COSTS[*]}"
# Hot path = a program that ran at least 10k times per round under iperf3 (per packet or per softirq).
while read -r who name; do
    vals=$(awk -v w="$who" -v n="$name" '$1==w && $2==n {print $3}' "$W/progs.tsv" | paste -sd,)
    runs=$(awk -v w="$who" -v n="$name" '$1==w && $2==n {print $4}' "$W/progs.tsv" | sort -n | sed -n 1p)
    target="-"
    [ "$who" = ours ] && [ "$runs" -ge 10000 ] && target="<=80"
    label="ns/run $name"
    [ "$who" = peer ] && label="ns/run bpftrace $name (peer)"
    what="$runs runs/round (fewest)"
    if [ "$who" = parts ]; then
        label="ns/run reference: $name"
        case $name in
            floor_*) what="an empty program on the hook of our ${name#floor_}: the floor; $what" ;;
            clock_*) what="bpf_ktime_get_ns() alone; $what" ;;
            jiffies_*) what="bpf_jiffies64() alone; $what" ;;
            skstore_tcp) what="bpf_sk_storage_get(CREATE), as netrecvlat_tcp; $what" ;;
            skstore_*) what="bpf_sk_storage_get() of a TCP socket, as netrecvlat_copy; $what" ;;
        esac
    fi
    result "$label" "$target" "$vals" "$what"
done < <(awk '{print $1, $2}' "$W/progs.tsv" | sort -u)
# Kernel time per iperf3 round (ns/run x runs, summed): what the overhead ratio comes from. The
# empty programs on our hot hooks are the least any program there can cost.
ktime() { # who [name prefix] -> ms per round, comma-separated
    awk -v w="$1" -v p="${2:-}" '$1==w && (p=="" || index($2, p)==1) {t[$5]+=$3*$4} END{for (r in t) printf "%.1f\n", t[r]/1e6}' \
        "$W/progs.tsv" | paste -sd,
}
result "kernel ms per iperf3 round, daemon" "-" "$(ktime ours)" "every program it holds, ${IPERF_S} s rounds"
result "kernel ms per iperf3 round, empty programs on our hot hooks" "-" "$(ktime parts floor_)" \
    "the floor: what our hooks cost with no work in them"
result "kernel ms per iperf3 round, bpftrace (peer)" "-" "$(ktime peer)" "its 3 tracepoints"
fi

# 2. Event pipeline: dropwatch-shaped records from a BPF_PROG_TEST_RUN generator into the daemon's
# dropwatch ring (Java: poller, decode, counters, LastEvent, notification, record file) vs the
# same generator into its own ring of the same size drained by a minimal libbpf C consumer.
say "2/6 event pipeline, $PIPE_ROUNDS rounds of the rate ladder (${STEP_S}s steps): Java, with a JMX client subscribed, without record files, C"
# Highest lossless rate on the ladder for the daemon started with config $1; sets BEST. With a
# third argument, a remote JMX client stays subscribed to the dropwatch notifications meanwhile.
java_ladder() {
    local cfg=$1 what=$2 listen=${3:-} ring c0 c1 g prod full ev lost nlost lpid nl0 nl1 got total=0
    daemon_start "$cfg"
    ring=$(python3 scripts/bench_util.py ring "$DPID")
    RING_BYTES=$(python3 scripts/bench_util.py ring-bytes "$ring")
    if [ -n "$listen" ]; then
        rm -f "$W/listen.in" "$W/listen.out"
        mkfifo "$W/listen.in"
        client listen $PORT <"$W/listen.in" >"$W/listen.out" &
        lpid=$!
        exec 3>"$W/listen.in"
        for _ in $(seq 100); do grep -q subscribed "$W/listen.out" && break; sleep 0.1; done
        nl0=$(kv notifications_lost <<<"$(client counters $PORT dropwatch)")
    fi
    BEST=0
    for rate in $LADDER; do
        c0=$(client counters $PORT dropwatch)
        g=$($GEN --map-id "$ring" "$rate" "$STEP_S")
        sleep 0.5
        c1=$(client counters $PORT dropwatch)
        prod=$(kv produced <<<"$g") full=$(kv ring_full <<<"$g")
        ev=$(($(kv events <<<"$c1") - $(kv events <<<"$c0")))
        lost=$(($(kv lost <<<"$c1") - $(kv lost <<<"$c0")))
        # notifications the listener missed (the connector's buffer overflowed), counted as its next one arrives
        nlost=$(($(kv notifications_lost <<<"$c1") - $(kv notifications_lost <<<"$c0")))
        total=$((total + ev))
        if [ "$full" = 0 ] && [ "$lost" = 0 ] && [ "$nlost" = 0 ] && [ "$ev" -ge "$prod" ]; then
            BEST=$rate
        else
            note "round $r, $what at $rate/s: $prod written, $full lost in the kernel (ring full), $lost lost in the daemon (queue full), $ev reported by 0.5 s after the step$([ -n "$listen" ] && echo ", $nlost notifications lost")"
            break
        fi
    done
    if [ -n "$listen" ]; then
        sleep 1
        exec 3>&-
        wait "$lpid" || true
        nl1=$(kv notifications_lost <<<"$(client counters $PORT dropwatch)")
        got=$(kv notifications <"$W/listen.out")
        # every event is either received by the listener or counted in the daemon's NotificationsLost
        AGREE+=("$((got + nl1 - nl0 - total))")
        note "round $r, $what: received $got + NotificationsLost $((nl1 - nl0)) = $((got + nl1 - nl0)) of $total events ($([ $((got + nl1 - nl0)) = "$total" ] && echo agrees || echo "off by $((got + nl1 - nl0 - total))"))"
    fi
    daemon_stop
}
JBEST=() LBEST=() NBEST=() CBEST=() RATIO=() AGREE=()
for r in $(seq "$PIPE_ROUNDS"); do
    java_ladder "$W/cfg-pipe.yaml" Java; jbest=$BEST
    java_ladder "$W/cfg-pipe.yaml" "Java with a JMX client subscribed" listen; lbest=$BEST
    java_ladder "$W/cfg-norecord.yaml" "Java without record files"; nbest=$BEST
    cbest=0
    for rate in $LADDER; do
        g=$($GEN --consume "$RING_BYTES" "$rate" "$STEP_S")
        prod=$(kv produced <<<"$g") full=$(kv ring_full <<<"$g") cons=$(kv consumed <<<"$g")
        if [ "$full" = 0 ] && [ "$cons" = "$prod" ]; then
            cbest=$rate
        else
            note "round $r, C at $rate/s: $prod written, $full lost in the kernel (ring full), $cons consumed"
            break
        fi
    done
    say "  round $r: highest lossless rate Java $jbest/s, with a JMX client subscribed $lbest/s, without record files $nbest/s, C $cbest/s"
    JBEST+=("$jbest") LBEST+=("$lbest") NBEST+=("$nbest") CBEST+=("$cbest")
    RATIO+=("$(awk -v a="$jbest" -v b="$cbest" 'BEGIN{printf "%.3f", b ? a/b : 0}')")
done
result "pipeline: highest lossless rate, Java (ev/s)" "-" "$(join "${JBEST[@]}")" "ladder ${LADDER// /,}"
result "pipeline: same, a JMX client subscribed (ev/s)" ">=50000" "$(join "${LBEST[@]}")" "every event also a remote notification"
result "listener: received + NotificationsLost - events" "==0" "$(join "${AGREE[@]}")" "per round; 0 = every event accounted for"
result "pipeline: same, Java without record files (ev/s)" "-" "$(join "${NBEST[@]}")" "record.enabled: false"
result "pipeline: highest lossless rate, C consumer (ev/s)" "-" "$(join "${CBEST[@]}")" "same ring size as the daemon's ($((RING_BYTES >> 10)) KiB)"
result "pipeline ratio Java / C" ">=0.5" "$(join "${RATIO[@]}")"

if [ $PIPELINE = 0 ]; then
# 3. Footprint: RSS (1 s samples) and CPU (10 s windows, summed over every thread) of the daemon,
# idle with every tracer attached, then under a steady 10k events/s from the generator.
# Each thread's CPU ns, "tid ns" per line. A thread that exits takes its time out of any sum over
# the threads, which made a window read negative once (an idle RMI connection thread ending): a
# window counts the threads alive at its end, their growth or all of a thread born in it.
cpu_snap() {
    local t
    for t in /proc/"$DPID"/task/*; do
        echo "${t##*/} $(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
    done
}
cpu_delta() { awk 'NR == FNR {s[$1] = $2; next} $2 != "" {d += $2 - ($1 in s ? s[$1] : 0)} END {printf "%.0f", d}' "$1" "$2"; }
footprint() {
    local secs=$1 rss=() cpu=() t0
    t0=$(date +%s%N)
    cpu_snap >"$W/cpu0"
    for s in $(seq "$secs"); do
        sleep 1
        rss+=("$(awk '/VmRSS/{printf "%.1f", $2/1024}' /proc/"$DPID"/status)")
        if [ $((s % 10)) = 0 ]; then
            local t1 c
            t1=$(date +%s%N)
            cpu_snap >"$W/cpu1"
            c=$(cpu_delta "$W/cpu0" "$W/cpu1")
            cpu+=("$(awk -v c="$c" -v t=$((t1 - t0)) 'BEGIN{printf "%.3f", 100*c/t}')")
            t0=$t1
            mv "$W/cpu1" "$W/cpu0"
        fi
    done
    FOOT_RSS=$(join "${rss[@]}") FOOT_CPU=$(join "${cpu[@]}")
}
say "3/6 footprint, idle ${FOOT_S}s then ${FOOT_S}s at 10k events/s"
daemon_start
sleep 5
footprint "$FOOT_S"
result "idle RSS (MB)" "<=64" "$FOOT_RSS" "1 s samples, JVM $JAVA_OPTS $(cds_option | sed 's/=.*//'), MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX MALLOC_MMAP_THRESHOLD_=$MALLOC_MMAP_THRESHOLD_"
result "idle CPU (% of one core)" "<=0.5" "$FOOT_CPU" "10 s windows"
# the reference: a JVM with the same options that loads nothing, sampled the same way
# shellcheck disable=SC2086
java $JAVA_OPTS -cp target/test-classes io.huatuo.jmx.bench.BareJvm >/dev/null &
BAREPID=$!
sleep 5
BARE=()
for _ in $(seq 10); do sleep 1; BARE+=("$(awk '/VmRSS/{printf "%.1f", $2/1024}' /proc/$BAREPID/status)"); done
kill $BAREPID; wait $BAREPID 2>/dev/null || true
result "idle RSS, bare JVM (MB) (peer)" "-" "$(join "${BARE[@]}")" "same JVM options, no class of the daemon"
RING=$(python3 scripts/bench_util.py ring "$DPID")
$GEN --map-id "$RING" 10000 $((FOOT_S + 3)) >"$W/load.out" &
GENPID=$!
sleep 2
footprint "$FOOT_S"
wait $GENPID
result "RSS at 10k events/s (MB)" "-" "$FOOT_RSS"
result "CPU at 10k events/s (% of one core)" "-" "$FOOT_CPU" "daemon only, not the generator"
else
    daemon_start
fi

# 4. Latency: a real NO_SOCKET drop (loopback SYN to a closed port) -> remote JMX notification.
say "4/6 notification latency, $LAT_ROUNDS rounds of $LAT_N events"
P50=() P99=()
for r in $(seq "$LAT_ROUNDS"); do
    client latency $PORT $LAT_N >"$W/lat.txt"
    missed=$(grep -c '^-1$' "$W/lat.txt" || true)
    [ "$missed" = 0 ] || note "latency round $r: $missed of $LAT_N notifications did not arrive within 2 s"
    read -r p50 p99 < <(grep -v '^-1$' "$W/lat.txt" | sort -n | awk '{v[NR]=$1} END{print v[int(NR*0.5+0.5)], v[int(NR*0.99+0.5)]}')
    P50+=("$p50") P99+=("$p99")
done
result "notification latency p50 (ms)" "-" "$(join "${P50[@]}")" "per round of $LAT_N"
result "notification latency p99 (ms)" "<=5" "$(join "${P99[@]}")" "per round of $LAT_N"

if [ $PIPELINE = 0 ]; then
# 6. Poll cost, same daemon (dropwatch has a LastEvent now): a Jolokia bulk read of every
# attribute of every tracer, and a Zabbix Java gateway poll of every item of the template (the
# discovered prototypes expanded for every tracer), alternating rounds.
say "6/6 poll cost, $LAT_ROUNDS rounds: $POLL_N Jolokia bulk reads, $ZBX_N Zabbix gateway polls"
grep -o "key: 'jmx[.[][^ ]*'" zabbix-templates/huatuo-jmx_by_jmx.yaml | sed "s/^key: '//; s/'\$//; s/''/'/g" | sort -u >"$W/zabbix-keys.txt"  # the polled (JMX) items
java -Dzabbix.listenIP=127.0.0.1 -Dzabbix.listenPort=$ZBX_PORT -Dzabbix.startPollers=2 -Dzabbix.timeout=5 \
    -Dlogback.configurationFile=/etc/zabbix/zabbix_java_gateway.logback.xml -jar /usr/sbin/zabbix-java-gateway.jar \
    >"$W/gateway.log" 2>&1 &
GWPID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$ZBX_PORT) 2>/dev/null && break; sleep 0.2; done
J50=() J99=() Z50=() Z99=()
pcts() { sort -n "$1" | awk '{v[NR]=$1} END{print v[int(NR*0.5+0.5)], v[int(NR*0.99+0.5)]}'; }
for r in $(seq "$LAT_ROUNDS"); do
    client jolokia $PORT "http://127.0.0.1:$JOLOKIA_PORT/jolokia/" "$POLL_N" >"$W/jol.txt"
    read -r p50 p99 < <(pcts "$W/jol.txt"); J50+=("$p50") J99+=("$p99")
    client zabbix $PORT $ZBX_PORT "$ZBX_N" "$W/zabbix-keys.txt" >"$W/zbx.txt" 2>"$W/zbx.err"
    read -r p50 p99 < <(pcts "$W/zbx.txt"); Z50+=("$p50") Z99+=("$p99")
done
kill $GWPID; GWPID=
daemon_stop
keys=$(kv keys <"$W/zbx.err") errs=$(kv item_errors <"$W/zbx.err")
result "Jolokia bulk read p50 (ms)" "-" "$(join "${J50[@]}")" "every attribute of every tracer, per round of $POLL_N"
result "Jolokia bulk read p99 (ms)" "<=3" "$(join "${J99[@]}")" "per round of $POLL_N"
result "Zabbix gateway poll p50 (ms)" "-" "$(join "${Z50[@]}")" "the JMX template's polled keys ($keys: jmx.get reads every huatuo attribute) in one request, per round of $ZBX_N"
result "Zabbix gateway poll p99 (ms)" "-" "$(join "${Z99[@]}")" "gateway connects to JMX anew for each poll"
[ "$errs" = 0 ] || note "Zabbix poll: $errs of $keys items answered with an error, e.g. $(grep -o '"error":"[^"]*"' "$W/zbx.err" | head -1)"
else
    daemon_stop
fi

# 5. Startup, from every daemon start above: process start -> every tracer RUNNING/UNAVAILABLE over JMX.
result "startup (s)" "<=2" "$(join "${STARTUPS[@]}")" "lacp UNAVAILABLE without a bonding driver"

quiet=$(pgrep -af 'surefire|failsafe|iperf3' | grep -v "^$ISRV " | wc -l || true)
note "other iperf3/surefire/failsafe processes seen at the end: $quiet"
echo
python3 scripts/bench_util.py table "$RES" \
    "huatuo-jmx bench $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs$([ $QUICK = 1 ] && echo ', --quick')"
