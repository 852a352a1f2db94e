#!/usr/bin/env bash
# The guest side of one kernel's run (the rootfs's vmlab-runner service starts /payload/run.sh once
# systemd is up, then powers the guest off). One JVM runs the selected kernel tests (JUnit's console
# launcher over the host-built jar and test classes, CI=true so nothing skips quietly); results go
# to /payload/out, which the host reads back from the payload disk.
set -u
P=/payload; OUT=$P/out
mkdir -p "$OUT/reports"
. "$P/settings"        # TESTS (JUnit selectors), TEST_TIMEOUT (s)
T0=$SECONDS
{
    echo "kernel=$(uname -r)"
    echo "uptime_at_start=$(cut -d' ' -f1 /proc/uptime)"
    echo "cgroup=$(stat -fc %T /sys/fs/cgroup)"
    echo "perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)"
    echo "pid1=$(cat /proc/1/comm)"
} > "$OUT/info.txt"
cat "$OUT/info.txt"

# every BPF program of the jar loaded on its own: the verifier's word for each, whatever the tracers chose
mkdir -p /tmp/bpf
(cd /tmp/bpf && python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith("META-INF/huatuo/bpf/") and n.endswith(".bpf.o"):
        open(n.rsplit("/", 1)[1], "wb").write(z.read(n))' "$P/huatuo-jmx.jar")
"$P/load-each" /tmp/bpf/*.bpf.o > "$OUT/bpf-programs.txt" 2>&1
# and again with only the systemd unit's capability bounding set (what the service may do)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$P/huatuo-jmx.service" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
setpriv --bounding-set=-all,"$caps" "$P/load-each" /tmp/bpf/*.bpf.o > "$OUT/bpf-programs-unit-caps.txt" 2>&1

# the tests, from a directory laid out like the checkout (tests find target/huatuo-jmx.jar there)
# The tests' scratch files under /var/tmp (MemreclaimIT's dsync streams, HungtaskIT's frozen image) go
# to the payload disk: under 5.10 that write load once stalled the emulated NVMe root disk for minutes
mkdir -p "$P/var-tmp" && mount --bind "$P/var-tmp" /var/tmp
W=/var/tmp/work; mkdir -p "$W/target"; ln -sf "$P/huatuo-jmx.jar" "$W/target/huatuo-jmx.jar"; cd "$W"
sel=(); for t in $TESTS; do case "$t" in *#*) sel+=(--select-method "$t");; *) sel+=(--select-class "$t");; esac; done
echo "tests: $TESTS"
# TCG emulates the CPU 10-50 times slower than the host runs it: latency bounds in tests x3
CI=true HUATUO_RPM=$P/huatuo-jmx.rpm HUATUO_TEST_TIME_SCALE=3 timeout -k 10 "$TEST_TIMEOUT" java -XX:ErrorFile="$OUT/hs_err_%p.log" -jar "$P/junit-console.jar" execute \
    --class-path "$P/huatuo-jmx.jar:$P/test-classes$(printf ':%s' "$P"/test-lib/*.jar)" --disable-banner --details=tree \
    --reports-dir "$OUT/reports" "${sel[@]}" > "$OUT/junit.log" 2>&1
echo "junit exit $? after $((SECONDS - T0)) s" | tee -a "$OUT/junit.log"
cp target/tracer-states.tsv "$OUT/" 2>/dev/null
tail -25 "$OUT/junit.log"
dmesg > "$OUT/dmesg.txt"
echo "run.sh: $((SECONDS - T0)) s" > "$OUT/done"
sync
