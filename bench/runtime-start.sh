#!/usr/bin/env bash
# Benchmark (not part of the test command): start-to-exit of a trivial container (/bin/true) and of a
# 3-container pod through husk's runtime API, against `crun run`, `runc run` and `podman run` of the same busybox
# in the same run when they are installed, and the RSS/PSS of one pod supervisor.
# Usage: bench/runtime-start.sh [ITERATIONS]      (as root; builds a release build in build-bench/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20}
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
# The peers, from Debian, as ../shared/peers installs them (not needed by the tests, so not in setup.sh).
for peer in crun runc podman; do
    command -v "$peer" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$peer" >/dev/null
done

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

# `podman run --rm` of the same busybox image (the offline test image), as ../shared/peers runs it here:
# runc (it accepts this host's hybrid cgroups), no network, and a containers.conf whose ulimits the host
# allows (root lacks CAP_SYS_RESOURCE, so podman's default nofile of 1048576 fails).
if command -v podman >/dev/null; then
    nproc=$(ulimit -Hu)
    { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768 # podman's own cap
    cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    export CONTAINERS_CONF=$work/containers.conf
    podman=(podman --cgroup-manager=cgroupfs --events-backend=file --runtime runc)
    "${podman[@]}" load -q -i "$top/build/test-images/busybox.oci.tar" >/dev/null
    image=docker.io/library/busybox:latest
    for _ in 1 2; do "${podman[@]}" run --rm --network=none "$image" true >/dev/null; done
    samples=()
    for _ in $(seq "$n"); do
        s=${EPOCHREALTIME/./}
        "${podman[@]}" run --rm --network=none "$image" true >/dev/null
        e=${EPOCHREALTIME/./}
        samples+=("$(((e - s) / 1000))")
    done
    ms=$(printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int(NR/2)+1]}')
    echo "podman_run_true_median_ms $ms"
    awk -v h="$husk_ms" -v o="$ms" 'BEGIN {printf "ratio husk_pod_1_container / podman_run: %.2f\n", h / o}'
else
    echo "podman: not installed (apt-get install podman), no comparison"
fi
