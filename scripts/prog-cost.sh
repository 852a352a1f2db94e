#!/bin/bash
# Manual tool (root; iperf3, bpftool, bpftrace, see scripts/bench-packages.txt): the kernel cost of BPF
# programs, side by side for several candidates in alternating rounds on loopback TCP (iperf3):
#   scripts/prog-cost.sh [-r ROUNDS] [-t SECONDS] [-o tput|ns] [-p REGEX] CANDIDATE...
# A candidate is a daemon jar (every tracer at its defaults, no JMX/Jolokia/Prometheus), a BPF object
# (every program in it attached by target/bench/attach, e.g. target/bench/floor.bpf.o: empty programs on
# our hooks, the floor; OBJ@PROG,PROG attaches only those programs, e.g. one of netrecvlat's two sets;
# attach gives a global tick_ns the kernel's tick before load, as the daemon does),
# or the word bpftrace (the bench's peer: 3 tracepoints counted).
# 1. throughput: per round, for each candidate, no tracing then the candidate; the ratio of the two;
# 2. with kernel.bpf_stats_enabled=1 (restored after): ns per run of each program whose name matches
#    REGEX (default: every program), per candidate.
# -o runs only one of the two. Prints min / median / max over the rounds. iperf3 port 5218.
# Builds target/bench first (make -C bench). Hold /work/.locks/bench-style exclusion yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5 SECS=5 ONLY= REGEX=.
while getopts r:t:o:p: o; do
    case $o in r) ROUNDS=$OPTARG ;; t) SECS=$OPTARG ;; o) ONLY=$OPTARG ;; p) REGEX=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- target/huatuo-jmx.jar
make -s -C bench OUT="$PWD/target/bench" VMLINUX="$PWD/target/bpf"
PORT=5218
W=$(mktemp -d /tmp/progcost.XXXX)
printf 'dataDir: %s\njmx: {enabled: false}\njolokia: {enabled: false}\nprometheus: {enabled: false}\n' "$W" >"$W/cfg.yaml"
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
PEER='tracepoint:skb:kfree_skb,tracepoint:net:netif_receive_skb,tracepoint:skb:skb_copy_datagram_iovec { @[probe] = count(); }'
CPID= ISRV= MOUNTED=0
cleanup() {
    [ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null || true
    [ -n "$ISRV" ] && kill "$ISRV" 2>/dev/null || true
    [ $MOUNTED = 1 ] && umount /sys/kernel/tracing 2>/dev/null || true
    sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
    rm -rf "$W"
}
trap cleanup EXIT

# Starts candidate $1; CPID holds its programs.
start() {
    case $1 in
        *.jar)
            java -jar "$1" --config "$W/cfg.yaml" >"$W/c.log" 2>&1 &
            CPID=$!
            for _ in $(seq 600); do grep -q " started in " "$W/c.log" && break; sleep 0.1; done
            sleep 0.5 ;;
        *.bpf.o|*.bpf.o@*)
            # shellcheck disable=SC2046
            target/bench/attach "${1%%@*}" $([ "${1#*@}" != "$1" ] && tr , ' ' <<<"${1#*@}") >"$W/c.log" 2>&1 &
            CPID=$!
            for _ in $(seq 100); do grep -q attached "$W/c.log" && break; sleep 0.1; done ;;
        bpftrace)
            if ! mountpoint -q /sys/kernel/tracing; then mount -t tracefs tracefs /sys/kernel/tracing; MOUNTED=1; fi
            bpftrace -e "$PEER" >"$W/c.log" 2>&1 &
            CPID=$!
            for _ in $(seq 100); do grep -q Attaching "$W/c.log" && break; sleep 0.1; done ;;
        *) echo "unknown candidate $1" >&2; exit 2 ;;
    esac
    sleep 1
    kill -0 "$CPID" 2>/dev/null || { echo "$1 did not stay up:" >&2; cat "$W/c.log" >&2; exit 1; }
}
stop() {
    kill "$CPID" 2>/dev/null || true   # TERM: a background job ignores SIGINT, and the JVM keeps it ignored
    wait "$CPID" 2>/dev/null || true
    CPID=
    if [ $MOUNTED = 1 ]; then umount /sys/kernel/tracing; MOUNTED=0; fi
}
iperf() { iperf3 -c 127.0.0.1 -p $PORT -t "$SECS" -J | python3 scripts/bench_util.py gbps; }
stats() { # label<TAB>values...  ->  label min median max
    python3 -c '
import statistics, sys
for line in sys.stdin:
    label, *v = line.rstrip("\n").split("\t")
    v = sorted(float(x) for x in v)
    print(f"{label:<52} min {v[0]:>8.3f}  median {statistics.median(v):>8.3f}  max {v[-1]:>8.3f}  (n={len(v)})")'
}

iperf3 -s -B 127.0.0.1 -p $PORT >/dev/null 2>&1 &
ISRV=$!
sleep 0.5
if [ "$ONLY" != ns ]; then
    echo "throughput: $ROUNDS rounds of none and each of $* (${SECS}s each)" >&2
    for r in $(seq "$ROUNDS"); do
        line="round $r:"
        for c in "$@"; do
            none=$(iperf)   # just before each candidate: other load on the machine drifts
            start "$c"; g=$(iperf); stop
            printf '%s\t%s\n' "$c" "$(awk -v a="$g" -v b="$none" 'BEGIN{printf "%.4f", a/b}')" >>"$W/ratio"
            line="$line none $none, $(basename "$c") $g;"
        done
        echo "  $line Gbit/s" >&2
    done
    for c in "$@"; do
        printf 'throughput ratio %s' "$(basename "$c")"; awk -v c="$c" -F'\t' '$1==c {printf "\t%s", $2}' "$W/ratio"; echo
    done | stats
fi
[ "$ONLY" = tput ] && exit 0
echo "ns/run with kernel.bpf_stats_enabled=1: $ROUNDS rounds" >&2
sysctl -qw kernel.bpf_stats_enabled=1
for r in $(seq "$ROUNDS"); do
    for c in "$@"; do
        start "$c"; iperf >/dev/null
        python3 scripts/bench_util.py progs "$CPID" | awk -v c="$(basename "$c")" -v re="$REGEX" -F'\t' \
            '$1 ~ re {print c " " $1 "\t" $2 "\t" $3}' >>"$W/progs"
        stop
    done
done
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
for k in $(cut -f1 "$W/progs" | sort -u | tr ' ' '|'); do
    label=${k//|/ }
    printf 'ns/run %s' "$label"; awk -v l="$label" -F'\t' '$1==l {printf "\t%s", $2}' "$W/progs"; echo
done | stats
for k in $(cut -f1 "$W/progs" | sort -u | tr ' ' '|'); do
    label=${k//|/ }
    printf 'runs/s %s' "$label"; awk -v l="$label" -v s="$SECS" -F'\t' '$1==l {printf "\t%.0f", $3 / (s + 1.5)}' "$W/progs"; echo
done | stats
