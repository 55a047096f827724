#!/usr/bin/env bash
# Benchmark (not part of the test command): pull and unpack a multi-layer image from a local registry with
# husk, and in the same run with `podman pull` when podman is installed, else with `skopeo copy` + `umoci
# unpack` (the same work: fetch, verify, unpack). Prints the times and the ratio.
# The image: busybox plus 5 layers of 4 MiB of seeded pseudo-random data each (the same bytes every run).
# Usage: bench/image-pull.sh [ROUNDS]     (as root; HUSK=path/to/husk, default a release build in build-bench/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
HUSK_TEST_IMAGES=${HUSK_TEST_IMAGES:-$top/build/test-images}
if [ -z "${HUSK:-}" ]; then
    [ -f build-bench/build.ninja ] || meson setup build-bench --buildtype=release >/dev/null
    ninja -C build-bench husk husk-image >/dev/null
    HUSK=$top/build-bench/husk
fi
"$HUSK" help image >/dev/null || { echo "bench: $HUSK has no image verb" >&2; exit 1; }
[ -f "$HUSK_TEST_IMAGES/busybox.oci.tar" ] || scripts/build-test-images.sh "$HUSK_TEST_IMAGES" >&2

# shellcheck source=../tests/e2e/lib/registry.bash
. tests/e2e/lib/registry.bash
work=$(mktemp -d /tmp/husk-bench-image-XXXXXX)
trap 'registry_stop; rm -rf "$work"' EXIT
registry_start

# Build the image with umoci: each repack of the bundle adds one layer.
mkdir -p "$work/layout"
tar -xf "$HUSK_TEST_IMAGES/busybox.oci.tar" -C "$work/layout"
umoci tag --image "$work/layout:docker.io/library/busybox:latest" bench
for i in 1 2 3 4 5; do
    umoci unpack --image "$work/layout:bench" "$work/bundle" >/dev/null
    mkdir -p "$work/bundle/rootfs/data"
    # openssl is cut off by head (SIGPIPE), which is how the stream ends.
    { openssl enc -aes-256-ctr -pbkdf2 -nosalt -pass "pass:husk-bench-$i" </dev/zero 2>/dev/null || true; } |
        head -c $((4 << 20)) >"$work/bundle/rootfs/data/blob$i"
    umoci repack --image "$work/layout:bench" "$work/bundle" >/dev/null
    rm -rf "$work/bundle"
done
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:bench" "docker://$REGISTRY/bench/multi:latest"
echo "# image: busybox + 5 x 4 MiB layers at $REGISTRY/bench/multi:latest; $rounds rounds, best time"

now() { date +%s.%N; }
best() { sort -n | head -1; }

husk_round() {
    rm -rf "$work/husk"
    local t0 t1
    t0=$(now)
    "$HUSK" image pull -q "$REGISTRY/bench/multi:latest" --data-dir "$work/husk" >/dev/null || return 1
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

peer_round() {
    local t0 t1
    if command -v podman >/dev/null; then
        podman --root "$work/podman" --runroot "$work/podman-run" rmi -af >/dev/null 2>&1 || true
        t0=$(now)
        podman --root "$work/podman" --runroot "$work/podman-run" pull -q --tls-verify=false \
            "$REGISTRY/bench/multi:latest" >/dev/null
        t1=$(now)
    else
        rm -rf "$work/peer" "$work/peer-bundle"
        t0=$(now)
        skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/bench/multi:latest" "oci:$work/peer:multi"
        umoci unpack --image "$work/peer:multi" "$work/peer-bundle" >/dev/null
        t1=$(now)
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

peer_name=$(command -v podman >/dev/null && echo "podman pull" || echo "skopeo copy + umoci unpack")
h=$(for _ in $(seq "$rounds"); do husk_round || exit 1; done | best)
p=$(for _ in $(seq "$rounds"); do peer_round || exit 1; done | best)
[ -n "$h" ] && [ -n "$p" ] || { echo "bench: a pull failed" >&2; exit 1; }
printf '%-28s %8.3f s\n' "husk image pull" "$h" "$peer_name" "$p"
awk -v n="$peer_name" -v p="$p" -v h="$h" 'BEGIN { printf "ratio (%s / husk): %.2f\n", n, p / h }'
