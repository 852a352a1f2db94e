#!/usr/bin/env bash
# vmlab/test-kernels.sh [--full | --tests FILE] [--no-host] [SERIES...]   (run by ./dev.sh test-kernels)
# Boots Debian's stock kernels under QEMU (TCG: no usable hardware virtualisation is assumed) on a
# Debian 12 guest with systemd as PID 1, runs the kernel tests inside each guest against the jar and
# test classes built on the host, and prints one table: kernel x tracer -> State, Probe, tests.
#   SERIES     5.10, 6.1, 6.12 (default: all three), or a full linux-image release
#   --full     every kernel-dependent test class (vmlab/tests-full.txt) instead of the smoke
#              subset (vmlab/tests-smoke.txt); --tests FILE another list of JUnit selectors
#   --no-host  no host column (by default the host's own results: the host suite's reports if
#              nothing was rebuilt since, else the same tests but the guest-only *VmIT run here)
# env: VMLAB_CACHE (default /var/tmp/huatuo-vmlab: kernels, root filesystem, runs), VMLAB_PARALLEL
#      (guests at once, default 2: one vCPU each), VMLAB_TIMEOUT (seconds per guest, default 1500).
# Exit status 1 when a test failed, a guest timed out or did not finish.
set -uo pipefail
# all in one function, called on the last line with its exit: bash reads a script as it runs, so an
# edit during a run would otherwise break it
main() {
    HERE=$(cd "$(dirname "$0")" && pwd)
    ROOT=$(dirname "$HERE")
    CACHE=${VMLAB_CACHE:-/var/tmp/huatuo-vmlab}
    PARALLEL=${VMLAB_PARALLEL:-2}
    TIMEOUT=${VMLAB_TIMEOUT:-1500}
    TESTS_FILE=$HERE/tests-smoke.txt
    HOST=1
    series=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --full) TESTS_FILE=$HERE/tests-full.txt ;;
            --tests) TESTS_FILE=$(realpath "$2"); shift ;;
            --no-host) HOST=0 ;;
            -*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
            *) series+=("$1") ;;
        esac
        shift
    done
    [ ${#series[@]} -gt 0 ] || series=(5.10 6.1 6.12)
    TESTS=$(grep -v '^#' "$TESTS_FILE" | grep . | paste -sd' ' -)
    JAR=$ROOT/target/huatuo-jmx.jar
    [ -f "$JAR" ] && [ -d "$ROOT/target/test-classes" ] || { echo "test-kernels: build first (./dev.sh build)" >&2; exit 2; }
    T0=$SECONDS
    mkdir -p "$CACHE"

    # kernels, root filesystem, the JUnit console launcher (the version of the project's JUnit)
    mapfile -t releases < <("$HERE/kernels.sh" "$CACHE" "${series[@]}") || exit 1
    [ ${#releases[@]} -eq ${#series[@]} ] || { echo "test-kernels: kernels missing" >&2; exit 1; }
    IMG=$("$HERE/rootfs.sh" "$CACHE") || exit 1
    junit=$(sed -n 's|.*<junit.version>5\.\(.*\)</junit.version>.*|1.\1|p' "$ROOT/pom.xml")
    LAUNCHER=$CACHE/junit-platform-console-standalone-$junit.jar
    if [ ! -f "$LAUNCHER" ]; then
        mvn -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit" \
            -DoutputDirectory="$CACHE" -Dmdep.overWriteIfNewer=true >&2 || exit 1
    fi

    # the payload every guest gets: jar, test classes, launcher, guest script, BPF load diagnostics
    STAMP=$(date +%Y%m%d-%H%M%S)
    RUNS=$CACHE/runs/$STAMP
    PAYLOAD=$RUNS/payload
    mkdir -p "$PAYLOAD"
    ls -d "$CACHE"/runs/*/ | head -n -10 | xargs -r rm -rf   # the last ten runs are kept
    cp "$JAR" "$PAYLOAD/huatuo-jmx.jar"
    cp -a "$ROOT/target/test-classes" "$PAYLOAD/test-classes"
    cp "$LAUNCHER" "$PAYLOAD/junit-console.jar"
    # the libraries only the tests use (the jar holds the daemon's, the launcher JUnit's), e.g. Jackson's databind
    mvn -q -B dependency:list -DincludeScope=test -DoutputFile="$PAYLOAD/deps.txt" >&2 || exit 1
    testlibs=$(sed -n 's/^ *\([^:]*\):\([^:]*\):jar:.*:test.*$/\1:\2/p' "$PAYLOAD/deps.txt" \
        | grep -vE '^(org\.junit\.|org\.opentest4j:|org\.apiguardian:)' | cut -d: -f2 | paste -sd, -)
    if [ -n "$testlibs" ]; then
        mvn -q -B dependency:copy-dependencies -DincludeScope=test -DincludeArtifactIds="$testlibs" \
            -DoutputDirectory="$PAYLOAD/test-lib" >&2 || exit 1
    fi
    rm -f "$PAYLOAD/deps.txt"
    cp "$HERE/guest/run.sh" "$PAYLOAD/run.sh"
    # the RPM for SystemdServiceVmIT, built from this jar when it is older
    rpm=$(ls -t "$ROOT"/target/rpm/RPMS/x86_64/huatuo-jmx-*.rpm 2> /dev/null | head -1)
    if [ -z "$rpm" ] || [ "$rpm" -ot "$JAR" ]; then
        rpm=$("$ROOT/packaging/rpm/build-rpm.sh" | tail -1) || exit 1
    fi
    cp "$rpm" "$PAYLOAD/huatuo-jmx.rpm"
    cp "$ROOT/packaging/rpm/huatuo-jmx.service" "$PAYLOAD/"
    gcc -O2 -o "$PAYLOAD/load-each" "$HERE/guest/load-each.c" -lbpf || exit 1
    printf 'TESTS="%s"\nTEST_TIMEOUT=%d\n' "$TESTS" $((TIMEOUT - 180)) > "$PAYLOAD/settings"
    echo "test-kernels: ${releases[*]}; tests from $(basename "$TESTS_FILE"); runs in $RUNS" >&2

    boot_once() {   # boot_once RELEASE: one guest, its results in $RUNS/RELEASE/out; returns 3 when its root disk failed (or the stalled NIC's peer did not start)
        local r=$1 d=$RUNS/$1 t=$SECONDS rc pid ended= verdict= peer
        mkdir -p "$d"
        mkfs.ext4 -q -F -L payload -d "$PAYLOAD" "$d/payload.ext4" 2G > /dev/null
        # The guest's NIC 52:54:00:ee:00:01 (NetdevTxqueueTimeoutVmIT) talks to a peer that accepts and
        # never reads: once the socket buffers are full QEMU stops draining the NIC's ring, its queue
        # stops and the kernel's transmit watchdog fires. The root port, with nothing behind it, gives
        # AER a PCIe port of its own (RasVmIT). Both come after the disks, whose addresses stay as they were.
        python3 -c 'import os, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); c = s.accept(); parent = os.getppid()
while os.getppid() == parent: time.sleep(1)' "$d/stall-port" &   # ends with this script at the latest
        peer=$!
        while [ ! -s "$d/stall-port" ] && kill -0 $peer 2> /dev/null; do sleep 0.1; done
        if [ ! -s "$d/stall-port" ]; then
            rm -f "$d/payload.ext4"
            echo "guest_failure=the stalled NIC's peer did not start" > "$d/guest.txt"
            echo "test-kernels: $r: the stalled NIC's peer did not start" >&2
            return 3
        fi
        timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -machine q35 -smp 1 -m 3072 \
            -kernel "$CACHE/kernels/$r/boot/vmlinuz-$r" \
            -append "console=ttyS0,115200 root=/dev/nvme0n1 rw panic=-1 loglevel=5 mitigations=off vmlab.run systemd.mask=serial-getty@ttyS0.service systemd.show_status=0" \
            -drive "file=$IMG,if=none,id=root,format=raw,snapshot=on,cache=unsafe" -device nvme,drive=root,serial=root \
            -drive "file=$d/payload.ext4,if=none,id=payload,format=raw,cache=writeback" -device virtio-blk-pci,drive=payload \
            -netdev "socket,id=stall,connect=127.0.0.1:$(cat "$d/stall-port")" \
            -device virtio-net-pci,netdev=stall,mac=52:54:00:ee:00:01 -device pcie-root-port,id=rp0,bus=pcie.0,chassis=1 \
            -nic none -display none -monitor none -serial "file:$d/console.log" -no-reboot < /dev/null > "$d/qemu.log" 2>&1 &
        pid=$!
        echo $pid > "$d/pid"
        # the console is watched: a guest whose root disk fails is stopped at once (its run is worthless),
        # and one that finished its run but does not power off within a minute is stopped too
        while kill -0 $pid 2> /dev/null; do
            sleep 5
            if [ -z "$verdict" ] && grep -qE 'I/O error, dev nvme0n1|nvme0n1.*Remounting filesystem read-only|task jbd2/nvme0n1[^ ]* blocked for more than' "$d/console.log" 2> /dev/null; then
                verdict="root disk failed (I/O errors or a stalled journal on nvme0n1, see console.log)"; kill $pid 2> /dev/null
            elif [ -z "$ended" ] && grep -q '^VMLAB-END' "$d/console.log" 2> /dev/null; then
                ended=$SECONDS
            elif [ -n "$ended" ] && [ "$ended" != stopped ] && [ $((SECONDS - ended)) -gt 60 ]; then
                echo "test-kernels: $r did not power off within 60 s of its run's end: stopped" >&2; kill $pid 2> /dev/null; ended=stopped
            fi
        done
        wait $pid
        rc=$?
        kill $peer 2> /dev/null
        debugfs -R "rdump /out $d" "$d/payload.ext4" > /dev/null 2>&1
        rm -f "$d/payload.ext4"
        echo "qemu_exit=$rc seconds=$((SECONDS - t))" > "$d/guest.txt"
        [ -n "$verdict" ] && { echo "guest_failure=$verdict" >> "$d/guest.txt"; echo "test-kernels: $r: $verdict" >&2; }
        [ $rc = 124 ] && echo "test-kernels: $r killed after the ${TIMEOUT} s timeout" >&2
        echo "test-kernels: $r done in $((SECONDS - t)) s (qemu exit $rc)" >&2
        [ -z "$verdict" ]
    }
    boot() {   # boot RELEASE: a guest whose disk failed under it is booted once more (the first attempt is kept and reported)
        boot_once "$1" && return
        mv "$RUNS/$1" "$RUNS/$1.attempt1"
        echo "test-kernels: $1: booting once more" >&2
        boot_once "$1"
        echo "retried=the first attempt's $(sed -n 's/^guest_failure=//p' "$RUNS/$1.attempt1/guest.txt")" >> "$RUNS/$1/guest.txt"
    }

    # an interrupted run takes its guests with it
    trap 'for p in "$RUNS"/*/pid; do kill "$(cat "$p")" 2> /dev/null; done; exit 130' INT TERM
    for r in "${releases[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n; done
        boot "$r" &
    done

    # the host column, while the guests run: the host suite's results when they are from this build
    hostdir=
    if [ $HOST = 1 ]; then
        hostdir=$RUNS/host; mkdir -p "$hostdir/out"
        # current when no class or BPF object was rebuilt since the host suite wrote its states
        if [ -f "$ROOT/target/tracer-states.tsv" ] && ls "$ROOT"/target/failsafe-reports/TEST-*.xml > /dev/null 2>&1 &&
           [ -z "$(find "$ROOT/target/classes" "$ROOT/target/test-classes" -type f -newer "$ROOT/target/tracer-states.tsv" | head -1)" ]; then
            cp "$ROOT"/target/tracer-states.tsv "$hostdir/out/"
            mkdir -p "$hostdir/out/reports"; cp "$ROOT"/target/failsafe-reports/TEST-*.xml "$hostdir/out/reports/"
            echo "source=the host suite's reports (target/failsafe-reports)" > "$hostdir/out/info.txt"
        else
            wait   # the host's own kernel tests do not run beside the guests: they time CPU stalls
            t=$SECONDS
            # the guest-only classes (*VmIT) are left out, as the host suite leaves them out
            sel=(); for s in $TESTS; do
                case "${s%%#*}" in *VmIT) continue ;; esac
                case "$s" in *#*) sel+=(--select-method "$s");; *) sel+=(--select-class "$s");; esac
            done
            (cd "$ROOT" && CI=true timeout -k 10 "$TIMEOUT" java -jar "$LAUNCHER" execute \
                --class-path "$JAR:$ROOT/target/test-classes$(printf ':%s' "$PAYLOAD"/test-lib/*.jar)" \
                --disable-banner --details=tree \
                --reports-dir "$hostdir/out/reports" "${sel[@]}" > "$hostdir/out/junit.log" 2>&1)
            cp "$ROOT/target/tracer-states.tsv" "$hostdir/out/" 2>/dev/null
            echo "source=the same tests run on the host" > "$hostdir/out/info.txt"
            echo "qemu_exit=0 seconds=$((SECONDS - t))" > "$hostdir/guest.txt"
        fi
        echo "kernel=$(uname -r) (host)" >> "$hostdir/out/info.txt"
    fi
    wait
    dirs=(); [ -n "$hostdir" ] && dirs+=("$hostdir")
    for r in "${releases[@]}"; do dirs+=("$RUNS/$r"); done
    python3 "$HERE/matrix.py" "${dirs[@]}" | tee "$RUNS/matrix.txt"
    rc=${PIPESTATUS[0]}
    echo "test-kernels: ${#releases[@]} kernel(s) in $((SECONDS - T0)) s; details in $RUNS" >&2
    exit "$rc"
}
main "$@"; exit
