#!/usr/bin/env bash
# vmlab/guest-tree.sh TREE: debootstraps the guests' Debian 12 tree (vmlab/guest-packages.txt) into
# TREE and configures it: systemd as PID 1, the payload disk on /payload, the one-shot runner.
# rootfs.sh keys its cache by a hash of this script and the package list.
set -euo pipefail
TREE=${1:?usage: guest-tree.sh TREE}
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${VMLAB_MIRROR:-http://deb.debian.org/debian}
LOG=$(dirname "$TREE")/debootstrap.log
pkgs=$(grep -v '^#' "$HERE/guest-packages.txt" | paste -sd, -)
debootstrap --variant=minbase --include="$pkgs" bookworm "$TREE" "$MIRROR" > "$LOG" 2>&1 ||
    { tail -20 "$LOG" >&2; echo "rootfs: debootstrap failed (log $LOG)" >&2; exit 1; }
echo huatuo-vmlab > "$TREE/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 huatuo-vmlab\n' > "$TREE/etc/hosts"
# / is the only NVMe disk; the run's payload (jar, tests, results) is a virtio disk found by label
cat > "$TREE/etc/fstab" <<'FSTAB'
/dev/nvme0n1   /         ext4  defaults,noatime  0 1
LABEL=payload  /payload  ext4  defaults,noatime,nofail,x-systemd.device-timeout=90s  0 0
FSTAB
mkdir -p "$TREE/payload"
chroot "$TREE" passwd -d root > /dev/null
# With "vmlab.run" on the kernel command line: run /payload/run.sh once the system is up, its
# output on the serial console, then power off, also when the payload never appears, so a
# guest ends by itself (the host kills it only at its timeout).
cat > "$TREE/usr/local/sbin/vmlab-runner" <<'RUNNER'
#!/bin/bash
echo "VMLAB-BEGIN $(cut -d' ' -f1 /proc/uptime)"
for _ in $(seq 120); do
[ -f /payload/run.sh ] && break
mountpoint -q /payload || mount -o noatime LABEL=payload /payload 2>/dev/null
sleep 1
done
if [ -f /payload/run.sh ]; then bash /payload/run.sh; rc=$?; else echo "no /payload/run.sh"; rc=99; fi
sync
echo "VMLAB-END rc=$rc"
RUNNER
chmod 755 "$TREE/usr/local/sbin/vmlab-runner"
cat > "$TREE/etc/systemd/system/vmlab-runner.service" <<'UNIT'
[Unit]
Description=huatuo-jmx kernel lab: run /payload/run.sh, then power off
After=multi-user.target
ConditionKernelCommandLine=vmlab.run
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
Environment=HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ExecStart=/usr/local/sbin/vmlab-runner
ExecStopPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=infinity
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$TREE/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/vmlab-runner.service "$TREE/etc/systemd/system/multi-user.target.wants/"
# nothing periodic in a throw-away guest (boot time under emulation); the journal in memory
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer logrotate.timer \
         systemd-timesyncd.service; do
    ln -sf /dev/null "$TREE/etc/systemd/system/$u"
done
mkdir -p "$TREE/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' > "$TREE/etc/systemd/journald.conf.d/vmlab.conf"
rm -rf "$TREE"/var/cache/apt/archives/*.deb "$TREE"/var/lib/apt/lists/* "$TREE"/usr/share/doc/* \
       "$TREE"/usr/share/man/* "$TREE"/usr/share/locale/*
