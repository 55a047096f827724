#!/usr/bin/env bash
# Benchmark (not part of the test command): start-to-exit of a trivial container (/bin/true) and of a
# 3-container pod through husk's runtime API, against `crun run` and `runc run` of the same busybox root
# in the same run when they are installed, and the RSS/PSS of one pod supervisor.
# Usage: bench/runtime-start.sh [ITERATIONS]      (as root; builds a release build in build-bench/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20}
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }

[ -f build-bench/build.ninja ] || meson setup build-bench --buildtype=release >/dev/null
ninja -C build-bench husk-supervisor libhusk.a >/dev/null
# shellcheck disable=SC2046
cc -O2 -D_GNU_SOURCE -Isrc -o build-bench/runtime-start-driver bench/runtime-start-driver.c build-bench/libhusk.a \
    $(pkg-config --libs jansson libseccomp libcap) -pthread

work=$(mktemp -d /tmp/husk-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
export HUSK_SUPERVISOR=$top/build-bench/husk-supervisor
echo "# husk runtime API, $n iterations each (ms)"
build-bench/runtime-start-driver "$work" "$n" | tee "$work/husk.txt"
rmdir /sys/fs/cgroup/*/husk-bench 2>/dev/null || rmdir /sys/fs/cgroup/husk-bench 2>/dev/null || true

# The same root as an OCI bundle for crun and runc, /bin/true, no terminal.
oci_bundle() {
    mkdir -p "$work/bundle"
    [ -d "$work/bundle/rootfs" ] || cp -a "$work/rootfs" "$work/bundle/rootfs"
    (cd "$work/bundle" && rm -f config.json && "$1" spec >/dev/null 2>&1 || runc spec)
    jq '.process.args = ["/bin/true"] | .process.terminal = false' "$work/bundle/config.json" >"$work/c.json"
    mv "$work/c.json" "$work/bundle/config.json"
}

# time_oci RUNTIME: median ms of n `RUNTIME run` of /bin/true. crun refuses this host's hybrid cgroup
# layout, so like the peers' scripts, both run in a private mount namespace without the cgroup2 mount.
time_oci() {
    local rt=$1 samples=()
    oci_bundle "$rt"
    for i in $(seq "$n"); do
        local s=${EPOCHREALTIME/./}
        unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; cd "$1" && exec "$2" --root "$1/state" run "b$3"' \
            sh "$work/bundle" "$rt" "$$-$i" </dev/null >/dev/null
        local e=${EPOCHREALTIME/./}
        samples+=("$(((e - s) / 1000))")
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int(NR/2)+1]}'
}

husk_ms=$(awk '/^pod_1_container_median_ms/ {print $2}' "$work/husk.txt")
for rt in crun runc; do
    if ! command -v "$rt" >/dev/null; then
        echo "$rt: not installed (apt-get install $rt), no comparison"
        continue
    fi
    ms=$(time_oci "$rt")
    echo "${rt}_run_true_median_ms $ms"
    awk -v h="$husk_ms" -v o="$ms" 'BEGIN {printf "ratio husk_pod_1_container / %s_run: %.2f\n", "'"$rt"'", h / o}'
done
