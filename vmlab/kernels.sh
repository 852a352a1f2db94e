#!/usr/bin/env bash
# vmlab/kernels.sh CACHE SERIES...: Debian's cloud kernels for the guests, extracted (never installed).
# SERIES is 5.10 (Debian 11, bullseye-security), 6.1 (Debian 12's own) or 6.12 (Debian 12's newer
# kernel), or a full linux-image package version such as 6.1.0-41-cloud-amd64. apt runs with a
# configuration of its own under CACHE/apt (the host's sources and lists are not touched); each
# package is `dpkg-deb -x`'ed into CACHE/kernels/<kernel release>/. Prints one kernel release per
# SERIES. Without the archive (offline) the newest release already extracted for a series is used.
set -euo pipefail
CACHE=${1:?usage: kernels.sh CACHE SERIES...}; shift
MIRROR=${VMLAB_MIRROR:-http://deb.debian.org/debian}
SECURITY=${VMLAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
A=$CACHE/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/etc/preferences.d" "$CACHE/kernels" "$CACHE/debs"
KEY=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$A/etc/sources.list" <<SRC
deb [signed-by=$KEY] $MIRROR bookworm main
deb [signed-by=$KEY] $MIRROR bookworm-updates main
deb [signed-by=$KEY] $SECURITY bookworm-security main
deb [signed-by=$KEY] $MIRROR bullseye main
deb [signed-by=$KEY] $SECURITY bullseye-security main
SRC
APT=(-o Dir::Etc::sourcelist="$A/etc/sources.list" -o Dir::Etc::sourceparts=/nonexistent
     -o Dir::Etc::preferencesparts="$A/etc/preferences.d" -o Dir::State::Lists="$A/lists"
     -o Dir::Cache="$A/cache" -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
online=1
apt-get "${APT[@]}" -qq update >&2 || { online=0; echo "kernels: apt update failed; using what is cached" >&2; }

# the linux-image-<release> package a series' metapackage depends on, newest first by suite
image_of() {
    local meta suite
    case "$1" in
        5.10) meta=linux-image-cloud-amd64 suite='5\.10\.' ;;
        6.1)  meta=linux-image-cloud-amd64 suite='6\.1\.' ;;
        6.12) meta=linux-image-6.12-cloud-amd64 suite='6\.12\.' ;;
        *)    echo "linux-image-$1"; return ;;
    esac
    # every candidate version of the metapackage across the suites; the one for this series
    apt-cache "${APT[@]}" show "$meta" 2>/dev/null |
        awk -v s="^linux-image-$suite|^linux-image-${suite%\\.}" '/^Depends:/ { n = split($0, d, /[ ,]+/);
            for (i = 2; i <= n; i++) if (d[i] ~ /^linux-image-/ && d[i] ~ s) print d[i] }' |
        sort -V | tail -1
}
cached_release() {   # newest release already extracted for a series
    ls "$CACHE/kernels" 2>/dev/null | grep "^${1//./\\.}[.-]" | sort -V | tail -1
}

for s in "$@"; do
    pkg=
    [ "$online" = 1 ] && pkg=$(image_of "$s")
    if [ -z "$pkg" ]; then
        r=$(cached_release "$s")
        [ -n "$r" ] || { echo "kernels: no kernel package found for '$s'" >&2; exit 1; }
        echo "$r"; continue
    fi
    release=${pkg#linux-image-}; release=${release%-unsigned}
    if [ ! -f "$CACHE/kernels/$release/boot/vmlinuz-$release" ]; then
        (cd "$CACHE/debs" && apt-get "${APT[@]}" -qq download "$pkg" >&2)
        deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb | head -1)
        rm -rf "$CACHE/kernels/$release.tmp"
        dpkg-deb -x "$deb" "$CACHE/kernels/$release.tmp"
        mv "$CACHE/kernels/$release.tmp" "$CACHE/kernels/$release"
        rm -f "$deb"
        echo "kernels: $release extracted" >&2
    fi
    echo "$release"
done
