#!/bin/bash
# Manual tool (root, needs iperf3, not in packages.txt). Measures netrecvlat's per-packet BPF cost: iperf3 over a veth pair between two netns, with
# kernel.bpf_stats_enabled=1 for the run (restored after), daemon with only netrecvlat on.
set -u
J=${JAR:-$(dirname "$0")/../target/huatuo-jmx.jar}
D=$(mktemp -d /tmp/h3cost.XXXX)
cat > $D/cfg.yaml <<Y
dataDir: $D
jmx:
  enabled: false
tracers:
  softirq: {enabled: false}
  dropwatch: {enabled: false}
  oom: {enabled: false}
  softlockup: {enabled: false}
  hungtask: {enabled: false}
  memreclaim: {enabled: false}
  netdev: {enabled: false}
  lacp: {enabled: false}
Y
ip netns add h3costa; ip netns add h3costb
ip link add veth0 netns h3costa type veth peer name veth0 netns h3costb
ip -n h3costa addr add 198.18.253.1/24 dev veth0; ip -n h3costa link set veth0 up; ip -n h3costa link set lo up
ip -n h3costb addr add 198.18.253.2/24 dev veth0; ip -n h3costb link set veth0 up; ip -n h3costb link set lo up
ip netns exec h3costb iperf3 -s -1 -B 198.18.253.2 -p 5293 >/dev/null 2>&1 &
sleep 0.5
echo "baseline (no daemon):"; ip netns exec h3costa iperf3 -c 198.18.253.2 -p 5293 -t 5 -f g | grep -E 'receiver'
ip netns exec h3costb iperf3 -s -1 -B 198.18.253.2 -p 5293 >/dev/null 2>&1 &
old=$(sysctl -n kernel.bpf_stats_enabled)
java -jar $J --config $D/cfg.yaml > $D/out.log 2>&1 &
DP=$!
sleep 4
sysctl -qw kernel.bpf_stats_enabled=1
echo "with netrecvlat:"; ip netns exec h3costa iperf3 -c 198.18.253.2 -p 5293 -t 5 -f g | grep -E 'receiver'
for p in netrecvlat_netif netrecvlat_tcp netrecvlat_copy; do
  bpftool prog show name $p | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' | awk -v p=$p '{printf "%s: %d runs, %.0f ns/run\n", p, $4, $2/$4}'
done
sysctl -qw kernel.bpf_stats_enabled=$old
kill $DP; wait $DP
ip netns del h3costa; ip netns del h3costb
rm -rf $D
