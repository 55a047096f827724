#!/usr/bin/env bats
# `husk image` without a registry: loading OCI layout and docker-save archives, ls, inspect, save (read back
# by skopeo), rm and prune, and clear errors for bad names and bad archives.
load helpers

setup() {
    tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/husk-image.XXXXXX")
    data=$tmp/data
    busybox=$HUSK_TEST_IMAGES/busybox.oci.tar
    [ -f "$busybox" ] || skip "no test images in $HUSK_TEST_IMAGES (run scripts/build-test-images.sh)"
}

teardown() {
    [ -n "${tmp:-}" ] && rm -rf "$tmp"
}

# Makes a `docker save` archive (manifest.json, repositories, ID/layer.tar, ID.json) from the OCI archive.
make_docker_archive() {
    local oci=$tmp/oci out=$tmp/docker
    mkdir -p "$oci" "$out"
    tar -xf "$busybox" -C "$oci"
    local manifest config layer id
    manifest=$(jq -r '.manifests[0].digest' "$oci/index.json" | cut -d: -f2)
    config=$(jq -r '.config.digest' "$oci/blobs/sha256/$manifest" | cut -d: -f2)
    layer=$(jq -r '.layers[0].digest' "$oci/blobs/sha256/$manifest" | cut -d: -f2)
    id=$(jq -r '.rootfs.diff_ids[0]' "$oci/blobs/sha256/$config" | cut -d: -f2)
    mkdir "$out/$id"
    gzip -dc "$oci/blobs/sha256/$layer" >"$out/$id/layer.tar"
    cp "$oci/blobs/sha256/$config" "$out/$config.json"
    printf '[{"Config":"%s.json","RepoTags":["example.com/tools/busybox:v1"],"Layers":["%s/layer.tar"]}]' \
        "$config" "$id" >"$out/manifest.json"
    printf '{"example.com/tools/busybox":{"v1":"%s"}}' "$id" >"$out/repositories"
    tar -cf "$tmp/docker.tar" -C "$out" .
}

@test "image load reads an OCI layout archive and ls shows it" {
    run "$HUSK" image load -i "$busybox" --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: docker.io/library/busybox:latest" ]
    run "$HUSK" image ls --data-dir "$data"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +SIZE$ ]]
    [[ "${lines[1]}" =~ ^docker.io/library/busybox\ +latest\ +[0-9a-f]{12}\ +[0-9.]+[kM]B$ ]]
}

@test "image inspect shows the config and unpacked layers" {
    "$HUSK" image load -i "$busybox" --data-dir "$data"
    run "$HUSK" image inspect busybox --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.[0].repoTags[0]' <<<"$output")" = docker.io/library/busybox:latest ]
    [[ "$(jq -r '.[0].id' <<<"$output")" =~ ^sha256:[0-9a-f]{64}$ ]]
    [ "$(jq -r '.[0].config.config.Cmd[0]' <<<"$output")" = sh ]
    local dir
    dir=$(jq -r '.[0].layers[0].path' <<<"$output")
    [ -x "$dir/bin/busybox" ]
    # by ID prefix too
    local id
    id=$(jq -r '.[0].id' <<<"$output" | cut -c8-19)
    run "$HUSK" image inspect "$id" --data-dir "$data"
    [ "$status" -eq 0 ]
}

@test "image load reads a docker save archive" {
    make_docker_archive
    run "$HUSK" image load -i "$tmp/docker.tar" --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: example.com/tools/busybox:v1" ]
    run "$HUSK" image inspect example.com/tools/busybox:v1 --data-dir "$data"
    [ "$status" -eq 0 ]
    [ -x "$(jq -r '.[0].layers[0].path' <<<"$output")/bin/busybox" ]
}

@test "image save writes an OCI archive that skopeo and husk read back" {
    "$HUSK" image load -i "$busybox" --data-dir "$data"
    run "$HUSK" image save -o "$tmp/saved.tar" busybox --data-dir "$data"
    [ "$status" -eq 0 ]
    run skopeo inspect "oci-archive:$tmp/saved.tar:docker.io/library/busybox:latest"
    [ "$status" -eq 0 ]
    run "$HUSK" image load -i "$tmp/saved.tar" --data-dir "$tmp/data2"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: docker.io/library/busybox:latest" ]
}

@test "image rm removes the image and the content only it used" {
    "$HUSK" image load -i "$busybox" --data-dir "$data"
    run "$HUSK" image rm busybox --data-dir "$data"
    [ "$status" -eq 0 ]
    run "$HUSK" image ls -q --data-dir "$data"
    [ -z "$output" ]
    [ -z "$(ls "$data/images/blobs/sha256")" ]
    [ -z "$(ls "$data/images/layers/sha256")" ]
    run "$HUSK" image rm busybox --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"not in the store"* ]]
}

@test "image prune removes unreferenced blobs and leftovers" {
    "$HUSK" image load -i "$busybox" --data-dir "$data"
    head -c 1000 /dev/urandom >"$data/images/blobs/sha256/$(printf '%064d' 0)"
    mkdir "$data/images/layers/tmp/layer-deadbeef"
    run "$HUSK" image prune --data-dir "$data"
    [ "$status" -eq 0 ]
    [ "$output" = "Removed 1 unreferenced blobs and layers" ]
    [ -z "$(ls "$data/images/layers/tmp")" ]
    run "$HUSK" image inspect busybox --data-dir "$data"
    [ "$status" -eq 0 ]
}

@test "image load refuses an archive whose blob does not match its name" {
    mkdir -p "$tmp/bad"
    tar -xf "$busybox" -C "$tmp/bad"
    local blob
    blob=$(ls "$tmp/bad/blobs/sha256" | head -1)
    echo corrupt >>"$tmp/bad/blobs/sha256/$blob"
    tar -cf "$tmp/bad.tar" -C "$tmp/bad" .
    run "$HUSK" image load -i "$tmp/bad.tar" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"mismatch"* ]]
    run "$HUSK" image ls -q --data-dir "$data"
    [ -z "$output" ]
}

@test "image load of something that is not an image archive fails clearly" {
    echo hello >"$tmp/hello.txt"
    tar -cf "$tmp/plain.tar" -C "$tmp" hello.txt
    run "$HUSK" image load -i "$tmp/plain.tar" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"neither index.json"* ]]
    run "$HUSK" image load -i "$tmp/missing.tar" --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing.tar"* ]]
}

@test "image pull of an invalid name reports InvalidImageName" {
    run "$HUSK" image pull 'Not/Valid:-tag' --data-dir "$data"
    [ "$status" -eq 1 ]
    [[ "$output" == *"InvalidImageName"* ]]
}

@test "image with a bad subverb or missing flags is a usage error" {
    run "$HUSK" image frobnicate
    [ "$status" -eq 2 ]
    run "$HUSK" image load --data-dir "$data"
    [ "$status" -eq 2 ]
    [[ "$output" == *"-i FILE"* ]]
}
