#!/usr/bin/env bash
# huatuo-jmx developer entry point (Debian 12, as root):
#   ./dev.sh run [--config FILE]   install what is missing, build, run the daemon in the foreground
#   ./dev.sh test                  install what is missing, build, run every test (kernel tests too)
#   ./dev.sh build                 install what is missing, build target/huatuo-jmx.jar
#   ./dev.sh rpm                   install what is missing, build the jar, then target/rpm/RPMS/x86_64/*.rpm
#   ./dev.sh bench [--quick] [--pipeline]  install what is missing, build, run the benchmarks, print one table
#   ./dev.sh test-kernels [--full] [SERIES...]  build, run the kernel tests in QEMU guests on Debian's
#                                  5.10, 6.1 and 6.12 kernels (or the SERIES given), print the matrix
set -euo pipefail
cd "$(dirname "$0")"

# Installs the packages of the given lists (default scripts/packages.txt) that are missing.
install_missing() {
    local missing=()
    for p in $(grep -hv '^#' "${@:-scripts/packages.txt}"); do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "dev.sh: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    run)
        install_missing
        mvn -q -B -DskipTests package
        eval "$(grep -E '^(HUATUO_JAVA_OPTS|export MALLOC_[A-Z_]+)=' packaging/rpm/huatuo-jmx-jsvc)" # the service's JVM options
        # shellcheck disable=SC2086  # a list of options
        exec java $HUATUO_JAVA_OPTS $(packaging/rpm/huatuo-jmx-jsvc cds-option target/huatuo-jmx.jar target) \
            -jar target/huatuo-jmx.jar "$@"
        ;;
    test)
        install_missing
        exec mvn -B verify "$@"
        ;;
    build)
        install_missing
        exec mvn -B -DskipTests package "$@"
        ;;
    rpm)
        install_missing
        mvn -q -B -DskipTests package "$@"
        exec packaging/rpm/build-rpm.sh
        ;;
    bench)
        install_missing scripts/packages.txt scripts/bench-packages.txt
        exec scripts/bench.sh "$@"
        ;;
    test-kernels)
        install_missing scripts/packages.txt vmlab/host-packages.txt
        mvn -q -B -DskipTests package
        exec vmlab/test-kernels.sh "$@"
        ;;
    *)
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
