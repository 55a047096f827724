#!/usr/bin/env bats
# `husk image pull` against Debian's real docker-registry on 127.0.0.1 (lib/registry.bash): plain pulls,
# by digest, docker.io through a mirror from registries.yaml, token auth, a corrupt blob, a registry that
# dies mid-pull, and two pulls of the same image at once.
load helpers
load lib/registry

setup_file() {
    [ -f "$HUSK_TEST_IMAGES/busybox.oci.tar" ] || skip "no test images in $HUSK_TEST_IMAGES"
    registry_start
    registry_push busybox
    registry_push nginx
    echo "$REGISTRY $REGISTRY_DIR $REGISTRY_PID" >"$BATS_FILE_TMPDIR/registry"
}

teardown_file() {
    [ -f "$BATS_FILE_TMPDIR/registry" ] || return 0
    read -r REGISTRY REGISTRY_DIR REGISTRY_PID <"$BATS_FILE_TMPDIR/registry"
    registry_stop
}

setup() {
    [ -f "$BATS_FILE_TMPDIR/registry" ] || skip "no test images in $HUSK_TEST_IMAGES"
    read -r REGISTRY REGISTRY_DIR REGISTRY_PID <"$BATS_FILE_TMPDIR/registry"
    tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/husk-pull.XXXXXX")
    data=$tmp/data
}

teardown() {
    registry_proxy_stop
    if [ -n "${restore:-}" ]; then cp "$tmp/blob.orig" "$restore"; fi
    [ -n "${tmp:-}" ] && rm -rf "$tmp"
}

# The registry's storage file of the first layer of REPO.
layer_file() {
    local digest
    digest=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/$1" | jq -r '.Layers[0]' | cut -d: -f2)
    echo "$REGISTRY_DIR/storage/docker/registry/v2/blobs/sha256/${digest:0:2}/$digest/data"
}

@test "pull from a loopback registry over plain HTTP" {
    run "$HUSK" image pull "$REGISTRY/library/busybox" --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$REGISTRY/library/busybox:latest" ]
    run "$HUSK" image inspect "$REGISTRY/library/busybox" --data-dir "$data"
    [ -x "$(jq -r '.[0].layers[0].path' <<<"$output")/bin/busybox" ]
    [[ "$(jq -r '.[0].repoDigests[0]' <<<"$output")" == "$REGISTRY/library/busybox@sha256:"* ]]
}

@test "pull by digest, and a second pull reuses the stored content" {
    local digest
    digest=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/library/nginx" | jq -r .Digest)
    run "$HUSK" image pull "$REGISTRY/library/nginx@$digest" --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$REGISTRY/library/nginx@$digest" ]
    run "$HUSK" image pull "$REGISTRY/library/nginx:latest" --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "$(ls "$data/images/layers/sha256" | wc -l)" -eq 1 ]
}

@test "docker.io resolves through a mirror from registries.yaml" {
    printf 'mirrors:\n  docker.io:\n    endpoint:\n      - "http://%s"\n' "$REGISTRY" >"$tmp/registries.yaml"
    run "$HUSK" image pull busybox --registries-config "$tmp/registries.yaml" --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "docker.io/library/busybox:latest" ]
    HUSK_REGISTRIES_CONFIG=$tmp/registries.yaml run "$HUSK" image pull nginx:latest --data-dir "$data"
    [ "$status" -eq 0 ]
    run "$HUSK" image ls --data-dir "$data"
    [[ "$output" == *"docker.io/library/busybox"*"latest"* ]]
    [[ "$output" == *"docker.io/library/nginx"*"latest"* ]]
}

@test "a broken registries.yaml is reported with its name" {
    printf 'mirrors:\n  docker.io:\n    endpoint: "not a list"\n' >"$tmp/registries.yaml"
    run "$HUSK" image pull busybox --registries-config "$tmp/registries.yaml" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"registries.yaml: mirrors.docker.io.endpoint must be a list"* ]]
}

@test "an unknown tag and an unreachable registry fail clearly" {
    run "$HUSK" image pull "$REGISTRY/library/busybox:nope" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"manifest unknown"* ]]
    run "$HUSK" image pull "127.0.0.1:$(registry_free_port)/library/busybox" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"ErrImagePull"* || "$output" == *"connect"* ]]
}

@test "token auth: bearer token from the WWW-Authenticate realm with config.json credentials" {
    registry_proxy_start --token husk:secret
    run "$HUSK" image pull "$PROXY/library/busybox" --data-dir "$data" --authfile /nonexistent
    [ "$status" -eq 1 ]
    [[ "$output" == *"/nonexistent"* ]]
    echo '{}' >"$tmp/none.json"
    run "$HUSK" image pull "$PROXY/library/busybox" --data-dir "$data" --authfile "$tmp/none.json"
    [ "$status" -eq 1 ]
    [[ "$output" == *"token server"*"401"* ]]
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$PROXY" "$(printf husk:secret | base64)" >"$tmp/config.json"
    run "$HUSK" image pull "$PROXY/library/busybox" --data-dir "$data" --authfile "$tmp/config.json"
    [ "$status" -eq 0 ]
    DOCKER_CONFIG=$tmp run "$HUSK" image pull "$PROXY/library/busybox" --data-dir "$tmp/data2"
    [ "$status" -eq 0 ]
}

@test "a blob whose content does not match its digest is refused and nothing is stored" {
    restore=$(layer_file library/busybox)
    cp "$restore" "$tmp/blob.orig"
    # Same size, different bytes: only the digest can tell.
    head -c "$(stat -c %s "$restore")" /dev/urandom >"$restore"
    run "$HUSK" image pull "$REGISTRY/library/busybox" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"digest mismatch"* ]]
    run "$HUSK" image ls -q --data-dir "$data"
    [ -z "$output" ]
    [ -z "$(ls "$data/images/layers/sha256")" ]
    [ -z "$(ls -A "$data/images/blobs/sha256" | grep '^\.tmp')" ]
}

@test "a registry that dies mid-pull gives a clear error and no partial content" {
    registry_proxy_start --slow 400000
    "$HUSK" image pull "$PROXY/library/nginx" --data-dir "$data" >"$tmp/out" 2>&1 &
    local pull=$!
    sleep 1.5
    registry_proxy_stop
    local rc=0
    wait "$pull" || rc=$?
    [ "$rc" -eq 1 ]
    run cat "$tmp/out"
    [[ "$output" == *"downloading blob sha256:"* ]]
    run "$HUSK" image ls -q --data-dir "$data"
    [ -z "$output" ]
    [ -z "$(ls "$data/images/layers/sha256")" ]
    [ -z "$(ls -A "$data/images/blobs/sha256" | grep '^\.tmp')" ]
}

@test "two pulls of the same image at once both succeed and store it once" {
    "$HUSK" image pull "$REGISTRY/library/nginx" --data-dir "$data" >"$tmp/a" 2>&1 &
    local a=$!
    "$HUSK" image pull "$REGISTRY/library/nginx" --data-dir "$data" >"$tmp/b" 2>&1 &
    local b=$!
    wait "$a"
    wait "$b"
    [ "$(ls "$data/images/layers/sha256" | wc -l)" -eq 1 ]
    [ "$(ls "$data/images/refs" | wc -l)" -eq 1 ]
    [ -z "$(ls "$data/images/layers/tmp")" ]
}
