#!/usr/bin/env bash
# Set-up on a Debian 12 machine, as root: installs every Debian package that the build, the demo and the
# tests need, builds husk and installs it to /usr/local/bin. Idempotent, and quiet when all is there.
# Usage: scripts/setup.sh [--no-install]   (--no-install: packages and build only)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root (husk creates namespaces, mounts and cgroups)" >&2
    exit 1
fi

packages=(
    # build
    gcc clang libclang-rt-14-dev meson ninja-build pkg-config git
    libyaml-dev libjansson-dev libcurl4-openssl-dev libarchive-dev libseccomp-dev libcap-dev
    libsqlite3-dev libmicrohttpd-dev zlib1g-dev nettle-dev libgnutls28-dev
    # run: pod networking (CNI plugins: bridge, host-local, portmap, firewall; they drive iptables)
    containernetworking-plugins iptables
    # hygiene
    clang-format clang-tidy cppcheck
    # tests, test images and the demo
    bats skopeo umoci docker-registry busybox-static iproute2 jq zstd dpkg-dev curl procps psmisc util-linux
    python3 python3-grpcio
    # the instruction budget (tests/e2e/instructions.bats)
    valgrind
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian's docker-registry would start a registry on :5000 from its postinst; tests start their own.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The nginx test image is made from Debian's nginx packages, unpacked rather than installed: installing
# them would start an nginx on the host's port 80. Idempotent: skipped when the .debs are there.
fetch_test_debs() {
    local dir=${HUSK_DEB_CACHE:-/var/cache/husk/debs}
    if compgen -G "$dir/nginx_*.deb" >/dev/null && compgen -G "$dir/nginx-common_*_all.deb" >/dev/null; then
        return 0
    fi
    echo "setup: downloading the nginx packages for the test image into $dir"
    mkdir -p "$dir"
    local get=(apt-get download -qq -o APT::Sandbox::User=root nginx nginx-common)
    (cd "$dir" && "${get[@]}" >/dev/null) || { apt-get update -qq && (cd "$dir" && "${get[@]}" >/dev/null); }
}
fetch_test_debs

if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
ninja -C build >/dev/null
if ! cmp -s build/husk /usr/local/bin/husk 2>/dev/null; then
    install -m 0755 build/husk /usr/local/bin/husk
fi
for program in husk-daemon husk-image husk-supervisor; do
    if ! cmp -s "build/$program" "/usr/local/bin/$program" 2>/dev/null; then
        install -m 0755 "build/$program" "/usr/local/bin/$program"
    fi
done
