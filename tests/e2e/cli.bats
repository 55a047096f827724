#!/usr/bin/env bats
# The CLI's manners: version, help, exit statuses and messages on stderr.
load helpers

@test "husk version prints the version and commit" {
    run "$HUSK" version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^husk\ version\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ [0-9a-f]+\)$ ]]
}

@test "husk --version is husk version" {
    run "$HUSK" --version
    [ "$status" -eq 0 ]
    [[ "$output" == "husk version "* ]]
}

@test "husk --help lists every verb with its summary" {
    run "$HUSK" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: husk VERB"* ]]
    [[ "$output" == *"version "*"Print the husk version"* ]]
    [[ "$output" == *"help "*"Show help for a verb"* ]]
}

@test "husk help VERB shows that verb's usage" {
    run "$HUSK" help version
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "Usage: husk version" ]]
}

@test "husk VERB --help shows that verb's usage" {
    run "$HUSK" version --help
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "Usage: husk version" ]]
}

@test "an unknown verb is a usage error named on stderr" {
    run --separate-stderr "$HUSK" frobnicate
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *"unknown verb 'frobnicate'"* ]]
}

@test "husk help of an unknown verb is a usage error" {
    run --separate-stderr "$HUSK" help frobnicate
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown verb 'frobnicate'"* ]]
}

@test "no verb at all is a usage error that shows the verbs" {
    run --separate-stderr "$HUSK"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"Verbs:"* ]]
}

@test "a verb given arguments it does not take is a usage error" {
    run --separate-stderr "$HUSK" version extra
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"husk version: takes no arguments"* ]]
}

@test "husk links only what its commands use; husk image runs husk-image, and says so when it cannot" {
    # The unpacker (libarchive, and the libxml2, ICU and libstdc++ it loads) is husk-image's alone; the
    # daemon's libraries are husk-daemon's; the CLI speaks HTTP to the daemon itself, without libcurl.
    run readelf -d "$HUSK"
    if [[ "$output" == *NEEDED* ]]; then
        [[ "$output" == *libyaml* && "$output" == *libjansson* ]]
        ! grep -E 'lib(archive|curl|sqlite3|microhttpd|gnutls)' <<<"$output" || false
    else
        # Linked statically (a build without sanitizers): their code is not in it either.
        run nm "$HUSK"
        grep -qE ' T (yaml_parser_initialize|json_loads)$' <<<"$output"
        ! grep -E ' T (archive_read_new|curl_easy_init|sqlite3_open_v2|MHD_start_daemon|gnutls_init)$' <<<"$output" || false
    fi
    readelf -d "$(dirname "$HUSK")/husk-image" | grep -q 'libarchive'
    readelf -d "$(dirname "$HUSK")/husk-daemon" | grep -q 'libsqlite3'
    local dir
    dir=$(mktemp -d /tmp/husk-cli-image-XXXXXX)
    # The image verbs work through husk (exec'd husk-image), with husk's usage and exit statuses.
    run "$HUSK" image ls --data-dir "$dir"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"REPOSITORY"* ]]
    run "$HUSK" image --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: husk image"* ]]
    run "$HUSK" image bogus --data-dir "$dir"
    [ "$status" -eq 2 ]
    # Without husk-image: a failure that names it, not a crash.
    HUSK_IMAGE=/nonexistent/husk-image run "$HUSK" image ls --data-dir "$dir"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'husk image' is run by /nonexistent/husk-image, which cannot be run: No such file or directory"* ]]
    rm -rf "$dir"
}
