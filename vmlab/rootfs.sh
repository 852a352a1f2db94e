#!/usr/bin/env bash
# vmlab/rootfs.sh CACHE: the guests' root filesystem image, built when its inputs change; prints its path.
# A debootstrap'ed Debian 12 tree (vmlab/guest-packages.txt) with systemd as PID 1 and a one-shot
# runner, keyed by a hash of the package list and this script: CACHE/rootfs-<hash>/tree. The image
# adds the modules of every kernel extracted under CACHE/kernels (the cloud kernels build NVMe in,
# so / needs no initramfs, but virtio_blk, bonding, veth, loop are modules) and is keyed by that set
# too. `mkfs.ext4 -d` writes it without a loop mount. Guests open it with snapshot=on: every run
# starts from the same pristine image.
set -euo pipefail
CACHE=${1:?usage: rootfs.sh CACHE}
HERE=$(cd "$(dirname "$0")" && pwd)
key=$(cat "$HERE/guest-packages.txt" "$HERE/guest-tree.sh" | sha256sum | cut -c1-12)
DIR=$CACHE/rootfs-$key
TREE=$DIR/tree
mkdir -p "$DIR"
exec 9> "$DIR/lock"; flock 9   # one builder at a time for this key

if [ ! -f "$TREE/.complete" ]; then
    t0=$SECONDS
    rm -rf "$TREE"
    "$HERE/guest-tree.sh" "$TREE"
    touch "$TREE/.complete"
    echo "rootfs: tree built in $((SECONDS - t0)) s" >&2
fi

# the image: the tree plus every extracted kernel's modules (modules.dep comes from depmod)
releases=$(ls "$CACHE/kernels" | grep -v '\.tmp$' | sort | paste -sd' ' -)
ikey=$(echo "$releases" | sha256sum | cut -c1-12)
IMG=$DIR/rootfs-$ikey.ext4
if [ ! -f "$IMG" ]; then
    t0=$SECONDS
    for r in $releases; do
        if [ ! -f "$TREE/lib/modules/$r/modules.dep" ]; then
            rm -rf "$TREE/lib/modules/$r"
            mkdir -p "$TREE/lib/modules"
            cp -a "$CACHE/kernels/$r/lib/modules/$r" "$TREE/lib/modules/$r"
            chroot "$TREE" depmod "$r"
        fi
    done
    rm -f "$DIR"/rootfs-*.ext4
    mkfs.ext4 -q -F -L vmroot -d "$TREE" "$IMG.tmp" 4G > /dev/null
    mv "$IMG.tmp" "$IMG"
    echo "rootfs: image with modules of $releases in $((SECONDS - t0)) s" >&2
fi
echo "$IMG"
