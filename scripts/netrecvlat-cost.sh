#!/bin/bash
# Manual tool (root; iperf3 and bpftool, see scripts/bench-packages.txt). netrecvlat's per-packet cost, side by
# side for one or more builds of the daemon, in alternating rounds on loopback TCP (iperf3):
#   scripts/netrecvlat-cost.sh [-r ROUNDS] [-t SECONDS] [-o tput|ns] [JAR...]     (default: target/huatuo-jmx.jar)
# 1. throughput: for each JAR, no daemon then the JAR with every tracer at its defaults; the ratio of the two;
# 2. with kernel.bpf_stats_enabled=1 (restored after): ns per run of each netrecvlat program, per JAR.
# -o runs only one of the two.
# Prints min / median / max over the rounds. Uses iperf3 port 5218; the daemon runs without JMX, Jolokia, Prometheus.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5 SECS=5 ONLY=
while getopts r:t:o: o; do
    case $o in r) ROUNDS=$OPTARG ;; t) SECS=$OPTARG ;; o) ONLY=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- target/huatuo-jmx.jar
PORT=5218
W=$(mktemp -d /tmp/h8cost.XXXX)
printf 'dataDir: %s\njmx: {enabled: false}\njolokia: {enabled: false}\nprometheus: {enabled: false}\n' "$W" >"$W/cfg.yaml"
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
DPID= ISRV=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null || true
    [ -n "$ISRV" ] && kill "$ISRV" 2>/dev/null || true
    sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
    rm -rf "$W"
}
trap cleanup EXIT

start() {
    java -jar "$1" --config "$W/cfg.yaml" >"$W/daemon.log" 2>&1 &
    DPID=$!
    for _ in $(seq 600); do grep -q " started in " "$W/daemon.log" && break; sleep 0.1; done
    sleep 0.5   # the line may have been half written
    grep -q 'netrecvlat=RUNNING' "$W/daemon.log" || { echo "netrecvlat not running ($1):" >&2; cat "$W/daemon.log" >&2; exit 1; }
    sleep 1
}
stop() { kill "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=; }
iperf() { iperf3 -c 127.0.0.1 -p $PORT -t "$SECS" -J | python3 scripts/bench_util.py gbps; }
stats() { # label<TAB>values...  ->  label min median max
    python3 -c '
import statistics, sys
for line in sys.stdin:
    label, *v = line.rstrip("\n").split("\t")
    v = sorted(float(x) for x in v)
    print(f"{label:<48} min {v[0]:>8.3f}  median {statistics.median(v):>8.3f}  max {v[-1]:>8.3f}  (n={len(v)})")'
}

iperf3 -s -B 127.0.0.1 -p $PORT >/dev/null 2>&1 &
ISRV=$!
sleep 0.5
if [ "$ONLY" != ns ]; then
    echo "throughput: $ROUNDS rounds of none and each of $* (${SECS}s each)" >&2
    for r in $(seq "$ROUNDS"); do
        line="round $r:"
        for j in "$@"; do
            none=$(iperf)   # just before each daemon: other load on the machine drifts
            start "$j"; g=$(iperf); stop
            printf '%s\t%s\n' "$j" "$(awk -v a="$g" -v b="$none" 'BEGIN{printf "%.4f", a/b}')" >>"$W/ratio"
            line="$line none $none, $(basename "$j") $g;"
        done
        echo "  $line Gbit/s" >&2
    done
    for j in "$@"; do
        printf 'throughput ratio %s' "$(basename "$j")"; awk -v j="$j" -F'\t' '$1==j {printf "\t%s", $2}' "$W/ratio"; echo
    done | stats

fi
[ "$ONLY" = tput ] && exit 0
echo "ns/run with kernel.bpf_stats_enabled=1: $ROUNDS rounds" >&2
sysctl -qw kernel.bpf_stats_enabled=1
for r in $(seq "$ROUNDS"); do
    for j in "$@"; do
        start "$j"; iperf >/dev/null
        python3 scripts/bench_util.py progs "$DPID" | awk -v j="$(basename "$j")" -F'\t' '$1 ~ /^netrecvlat/ {print j " " $1 "\t" $2 "\t" $3}' >>"$W/progs"
        stop
    done
done
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
for k in $(cut -f1 "$W/progs" | sort -u | tr ' ' '|'); do
    label=${k//|/ }
    printf 'ns/run %s' "$label"; awk -v l="$label" -F'\t' '$1==l {printf "\t%s", $2}' "$W/progs"; echo
done | stats
echo "runs per round (last): $(awk -F'\t' '{print $1 "=" $3}' "$W/progs" | tail -6 | paste -sd' ')" >&2
