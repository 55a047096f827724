#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for a bounded time over its
# seed corpus, printing TAP ("ok 1 - fuzz_objects: 12345 runs, no crash"). A crash, leak or timeout fails
# the target; its reproducer is kept in build-fuzz/artifacts/.
# Usage: tests/fuzz/run.sh [SECONDS]     SECONDS per fuzzer (default 30, or $HUSK_FUZZ_SECONDS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
seconds=${1:-${HUSK_FUZZ_SECONDS:-30}}
build=${HUSK_FUZZ_BUILD:-$top/build-fuzz}
fuzzers=(fuzz_http_reply fuzz_objects fuzz_stream)

# The seed corpus of each fuzzer: directories of real inputs.
seeds_for() {
    case $1 in
    fuzz_http_reply) echo "$top/tests/fuzz/http-seeds" ;;
    fuzz_objects) echo "$top/tests/objects/valid $top/tests/objects/invalid" ;;
    fuzz_stream) echo "$top/tests/fuzz/stream-seeds" ;;
    esac
}

echo "1..${#fuzzers[@]}"
fail_all() {
    local n=0
    for f in "${fuzzers[@]}"; do
        n=$((n + 1))
        echo "not ok $n - $f: $1"
    done
    exit 1
}

# Warnings are the sanitizer build's business; here only crashes matter, so -Werror is off.
if [ ! -f "$build/build.ninja" ]; then
    log=$(mktemp)
    CC=clang meson setup "$build" -Dfuzz=true -Dwerror=false -Db_sanitize=address,undefined -Db_lundef=false \
        >"$log" 2>&1 || { sed 's/^/# /' "$log" | tail -20; rm -f "$log"; fail_all "meson setup failed"; }
    rm -f "$log"
fi
targets=()
for f in "${fuzzers[@]}"; do targets+=("tests/fuzz/$f"); done
ninja -C "$build" "${targets[@]}" >"$build/fuzz-ninja.log" 2>&1 || { sed 's/^/# /' "$build/fuzz-ninja.log" | tail -20; fail_all "build failed"; }

mkdir -p "$build/artifacts"
n=0
status=0
for f in "${fuzzers[@]}"; do
    n=$((n + 1))
    work=$(mktemp -d)
    # shellcheck disable=SC2046 # the seed directories are split on purpose
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$build/tests/fuzz/$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$build/artifacts/$f-" "$work" $(seeds_for "$f") >"$build/$f.log" 2>&1
    rc=$?
    rm -rf "$work"
    runs=$(grep -oE 'Done [0-9]+ runs' "$build/$f.log" | grep -oE '[0-9]+' | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        echo "ok $n - $f: $runs runs, no crash"
    else
        echo "not ok $n - $f: exited $rc (log: $build/$f.log)"
        grep -E 'ERROR|SUMMARY|Test unit written' "$build/$f.log" | head -10 | sed 's/^/# /'
        status=1
    fi
done
exit $status
