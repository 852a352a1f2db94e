#!/usr/bin/env bash
# Builds the huatuo-jmx RPM from an already built target/huatuo-jmx.jar (`./dev.sh rpm` builds the
# jar first, then calls this) and prints the RPM's path.
#   packaging/rpm/build-rpm.sh [TOPDIR]     rpmbuild's _topdir, default target/rpm (emptied first)
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(realpath -m "${1:-target/rpm}")
[ -f target/huatuo-jmx.jar ] || { echo "build-rpm.sh: target/huatuo-jmx.jar is missing: run mvn package" >&2; exit 1; }
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
# the read-only Jolokia policy the daemon embeds, installed beside the config for jolokia.policyFile
policy=src/main/resources/jolokia-access.xml
rm -rf "$top"
mkdir -p "$top/SOURCES"
cp target/huatuo-jmx.jar src/main/resources/huatuo-jmx.yaml README.md "$policy" "$top/SOURCES/"
cp packaging/rpm/huatuo-jmx.service packaging/rpm/huatuo-jmx-jsvc packaging/rpm/jmxremote.password \
    packaging/rpm/jmxremote.access packaging/rpm/huatuo-jmx.logrotate "$top/SOURCES/"
# --nodeps: Debian's rpm database does not know the build dependencies (none are needed here)
rpmbuild -bb --nodeps --quiet --define "_topdir $top" --define "huatuo_version $version" \
    packaging/rpm/huatuo-jmx.spec
ls "$top"/RPMS/*/huatuo-jmx-"$version"-*.rpm
