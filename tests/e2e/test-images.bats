#!/usr/bin/env bats
# The offline test images from scripts/build-test-images.sh: skopeo reads them as OCI archives, a rebuild
# is byte for byte the same, and their root filesystems run (busybox in a chroot, nginx serving its page
# in a network namespace of its own, so that it never meets the host's port 80).
load helpers

images=$HUSK_TEST_IMAGES
build_script=$REPO/scripts/build-test-images.sh

case $(uname -m) in
x86_64) host_arch=amd64 ;;
aarch64) host_arch=arm64 ;;
*) host_arch=$(uname -m) ;;
esac

setup_file() {
    # Cached: when the images are current this only checks their inputs.
    "$build_script" "$images" >&2
}

setup() {
    tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/husk-test-images.XXXXXX")
}

teardown() {
    # The namespaces the tests mount in die with their processes; never let rm -rf walk into a mount.
    [ -n "${tmp:-}" ] || return 0
    awk -v t="$tmp/" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
    rm -rf "$tmp"
}

# inspect NAME: skopeo's view of the image, in $output
inspect() {
    run skopeo inspect "oci-archive:$images/$1.oci.tar:docker.io/library/$1:latest"
    [ "$status" -eq 0 ]
}

# unpack NAME DIR: unpack the archive's image into the bundle DIR (root filesystem in DIR/rootfs)
unpack() {
    mkdir -p "$tmp/layout-$1"
    tar -xf "$images/$1.oci.tar" -C "$tmp/layout-$1"
    umoci unpack --image "$tmp/layout-$1:docker.io/library/$1:latest" "$2" >/dev/null
    [ -x "$2/rootfs/bin/busybox" ]
}

@test "test images: skopeo reads the busybox archive: linux, the host's architecture, one gzip layer" {
    inspect busybox
    [ "$(jq -r .Os <<<"$output")" = linux ]
    [ "$(jq -r .Architecture <<<"$output")" = "$host_arch" ]
    [ "$(jq -r '.Layers | length' <<<"$output")" -eq 1 ]
    [[ "$(jq -r '.Layers[0]' <<<"$output")" =~ ^sha256:[0-9a-f]{64}$ ]]
    [ "$(jq -r .Created <<<"$output")" = 1970-01-01T00:00:00Z ]
    run skopeo inspect --config "oci-archive:$images/busybox.oci.tar:docker.io/library/busybox:latest"
    [ "$status" -eq 0 ]
    [ "$(jq -c .config.Cmd <<<"$output")" = '["sh"]' ]
    [ "$(jq -c .config.Env <<<"$output")" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
    run skopeo inspect --raw "oci-archive:$images/busybox.oci.tar:docker.io/library/busybox:latest"
    [ "$status" -eq 0 ]
    [ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.manifest.v1+json ]
    [ "$(jq -r .config.mediaType <<<"$output")" = application/vnd.oci.image.config.v1+json ]
    [ "$(jq -r '.layers[0].mediaType' <<<"$output")" = application/vnd.oci.image.layer.v1.tar+gzip ]
}

@test "test images: skopeo reads the nginx archive: linux, the host's architecture, port 80, SIGQUIT" {
    inspect nginx
    [ "$(jq -r .Os <<<"$output")" = linux ]
    [ "$(jq -r .Architecture <<<"$output")" = "$host_arch" ]
    [ "$(jq -r '.Layers | length' <<<"$output")" -eq 1 ]
    [[ "$(jq -r '.Layers[0]' <<<"$output")" =~ ^sha256:[0-9a-f]{64}$ ]]
    run skopeo inspect --config "oci-archive:$images/nginx.oci.tar:docker.io/library/nginx:latest"
    [ "$status" -eq 0 ]
    [ "$(jq -c .config.Cmd <<<"$output")" = '["nginx","-g","daemon off;"]' ]
    [ "$(jq -c .config.ExposedPorts <<<"$output")" = '{"80/tcp":{}}' ]
    [ "$(jq -r .config.StopSignal <<<"$output")" = SIGQUIT ]
}

@test "test images: index.json names each image for OCI and for containerd; diff_id is the plain layer's sha256" {
    local name ref index manifest config layer
    for name in busybox nginx; do
        ref=docker.io/library/$name:latest
        index=$(tar -xOf "$images/$name.oci.tar" index.json)
        [ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' <<<"$index")" = "$ref" ]
        [ "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' <<<"$index")" = "$ref" ]
        [ "$(tar -xOf "$images/$name.oci.tar" oci-layout)" = '{"imageLayoutVersion":"1.0.0"}' ]
        manifest=$(tar -xOf "$images/$name.oci.tar" "blobs/sha256/$(jq -r '.manifests[0].digest' <<<"$index" | cut -d: -f2)")
        config=$(tar -xOf "$images/$name.oci.tar" "blobs/sha256/$(jq -r .config.digest <<<"$manifest" | cut -d: -f2)")
        layer=$(jq -r '.layers[0].digest' <<<"$manifest" | cut -d: -f2)
        [ "sha256:$(tar -xOf "$images/$name.oci.tar" "blobs/sha256/$layer" | gzip -dc | sha256sum | cut -d' ' -f1)" = \
            "$(jq -r '.rootfs.diff_ids[0]' <<<"$config")" ]
    done
}

@test "test images: every layer entry is owned by 0:0 with no names and dated 1970" {
    local name manifest layer
    for name in busybox nginx; do
        manifest=$(tar -xOf "$images/$name.oci.tar" "blobs/sha256/$(tar -xOf "$images/$name.oci.tar" index.json |
            jq -r '.manifests[0].digest' | cut -d: -f2)")
        layer=$(jq -r '.layers[0].digest' <<<"$manifest" | cut -d: -f2)
        run bash -c "tar -xOf '$images/$name.oci.tar' blobs/sha256/$layer | tar -tvz --numeric-owner --full-time |
            grep -v ' 0/0 .* 1970-01-01 00:00:00 '"
        [ "$status" -eq 1 ] # grep -v found no other line
        [ -z "$output" ]
    done
}

@test "test images: a second build is cached and says so in one line" {
    run "$build_script" "$images"
    [ "$status" -eq 0 ]
    [ "$output" = "test images: up to date" ]
}

@test "test images: a rebuild into a fresh directory gives the same sha256 for both archives" {
    run "$build_script" "$tmp/rebuild"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^test\ images:\ built\ busybox\.oci\.tar\ sha256:[0-9a-f]{64}$ ]]
    [[ "${lines[1]}" =~ ^test\ images:\ built\ nginx\.oci\.tar\ sha256:[0-9a-f]{64}$ ]]
    local name
    for name in busybox nginx; do
        [ "$(sha256sum <"$tmp/rebuild/$name.oci.tar")" = "$(sha256sum <"$images/$name.oci.tar")" ]
    done
}

@test "test images: missing nginx packages are named in the error" {
    mkdir -p "$tmp/empty"
    HUSK_DEB_CACHE=$tmp/empty run "$build_script" "$tmp/out"
    [ "$status" -ne 0 ]
    [[ "$output" == *"no nginx_*_${host_arch}.deb in $tmp/empty"* ]]
    [ ! -e "$tmp/out/nginx.oci.tar" ]
}

@test "test images: busybox unpacks and runs sh in a chroot, with its applets, users and /tmp" {
    require_root
    unpack busybox "$tmp/busybox"
    local root=$tmp/busybox/rootfs
    run chroot "$root" /bin/sh -c 'echo hi'
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
    # shellcheck disable=SC2016 # expanded by the image's sh
    run chroot "$root" /bin/sh -c 'for a in sh sleep touch cat echo ls wget httpd nc true false env id ps mkdir \
        rm date head tail grep sed hostname kill top; do command -v "$a" >/dev/null || echo "missing $a"; done'
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run chroot "$root" id -u nobody
    [ "$output" = 65534 ]
    [ "$(stat -c %a "$root/tmp")" = 1777 ]
    local d
    for d in etc root proc sys dev var/www; do [ -d "$root/$d" ]; done
}

@test "test images: nginx serves 'Welcome to nginx' on port 80 in its own network namespace" {
    require_root
    unpack nginx "$tmp/nginx"
    local root=$tmp/nginx/rootfs
    # pid 1 of a new pid namespace runs the test, so nothing it starts outlives it; the mounts are
    # private to the new mount namespace and go with it.
    # shellcheck disable=SC2016 # expanded by the inner sh
    run timeout 60 unshare --net --mount --pid --kill-child sh -c '
        root=$1 log=$2
        ip link set lo up
        mount --rbind /dev "$root/dev"
        mount -t proc proc "$root/proc"
        chroot "$root" nginx -g "daemon off;" >"$log" 2>&1 &
        pid=$!
        i=0
        until page=$(chroot "$root" wget -qO- http://127.0.0.1/ 2>/dev/null); do
            kill -0 "$pid" 2>/dev/null || { echo "nginx exited"; break; }
            i=$((i + 1))
            [ "$i" -lt 100 ] || { echo "nginx did not answer"; break; }
            sleep 0.1
        done
        printf "%s\n" "$page"
        kill -QUIT "$pid"
        wait "$pid"
        echo "nginx exit $?"' sh "$root" "$tmp/nginx.log"
    echo "$output"
    cat "$tmp/nginx.log"
    [ "$status" -eq 0 ]
    [[ "$output" == *"<h1>Welcome to nginx!</h1>"* ]]
    [[ "$output" == *"nginx exit 0"* ]]
    # The access log is nginx's stdout, the error log its stderr.
    grep -q '"GET / HTTP/1.1" 200 ' "$tmp/nginx.log"
    grep -q 'start worker processes' "$tmp/nginx.log"
}
