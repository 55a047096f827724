#!/usr/bin/env bats
# Hostile layers through `husk image load` (archives made by tests/image/make-hostile-image.py): each tries
# to write a sentinel file outside the layer root; the sentinel must be untouched, a refused layer must
# leave nothing half-unpacked, and the error must name the entry.
load helpers

setup() {
    tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/husk-hostile.XXXXXX")
    data=$tmp/data
    echo original >"$tmp/sentinel"
}

teardown() {
    [ -n "${tmp:-}" ] && rm -rf "$tmp"
}

# load_hostile KIND: builds and loads the image; leaves `run`'s status and output.
load_hostile() {
    /usr/bin/python3 "$REPO/tests/image/make-hostile-image.py" "$tmp/$1.tar" "$1" "$tmp/sentinel"
    run "$HUSK" image load -i "$tmp/$1.tar" --data-dir "$data"
}

# The sentinel is intact and alone (nothing was created beside it), and no half layer is left.
check_untouched() {
    [ "$(cat "$tmp/sentinel")" = original ]
    [ "$(stat -c %h "$tmp/sentinel")" -eq 1 ]
    [ "$(ls "$tmp" | wc -l)" -eq 3 ] && [ -f "$tmp/$1.tar" ] && [ -d "$data" ]
    [ -z "$(ls "$data/images/layers/tmp")" ]
}

# A refused layer: a clear error, and no image and no layer in the store.
check_refused() {
    [ "$status" -eq 1 ]
    [[ "$output" == *"unpacking layer sha256:"* ]]
    [ -z "$(ls "$data/images/layers/sha256")" ]
    [ -z "$("$HUSK" image ls -q --data-dir "$data")" ]
}

@test "hostile layer: a ../ path is refused" {
    load_hostile dotdot
    check_refused
    check_untouched dotdot
}

@test "hostile layer: a file written through a symlink planted earlier stays inside the root" {
    load_hostile symlink
    check_refused
    [[ "$output" == *"x/evil"* ]]
    check_untouched symlink
}

@test "hostile layer: a hard link to a file outside the root is refused" {
    load_hostile hardlink
    check_refused
    [[ "$output" == *'hard link "hl"'* ]]
    check_untouched hardlink
}

@test "hostile layer: a misplaced whiteout is refused" {
    load_hostile whiteout
    check_refused
    [[ "$output" == *"invalid whiteout"* ]]
    check_untouched whiteout
}

@test "hostile layer: an absolute path lands inside the layer root" {
    load_hostile absolute
    [ "$status" -eq 0 ]
    local dir
    dir=$("$HUSK" image inspect hostile:absolute --data-dir "$data" | jq -r '.[0].layers[0].path')
    [ "$(cat "$dir/$tmp/sentinel")" = owned ]
    check_untouched absolute
}
