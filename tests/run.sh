#!/usr/bin/env bash
# The test command: set-up, a sanitizer build (ASan + UBSan), the offline test images, then every suite
# (unit, e2e, lint, fuzz). Every suite speaks TAP; the last line is the total, "N passed, N failed".
# Usage: tests/run.sh [SUITE...]        SUITE: unit e2e lint fuzz (default: all)
#   HUSK_SKIP_SETUP=1   skip scripts/setup.sh (packages and release build) when iterating
#   CI=true             a skip not listed in tests/expected-skips.txt counts as a failure
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit e2e lint fuzz)

die() { echo "tests: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

if [ "${HUSK_SKIP_SETUP:-0}" != 1 ]; then
    scripts/setup.sh || die "set-up failed"
fi
if [ ! -f build-san/build.ninja ]; then
    meson setup build-san -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fno-sanitize-recover=undefined >/dev/null || die "meson setup of build-san failed"
fi
ninja -C build-san >build-san/ninja.log 2>&1 || { cat build-san/ninja.log; die "sanitizer build failed"; }
scripts/build-test-images.sh "$top/build/test-images" || die "building the test images failed"

export HUSK="$top/build-san/husk"
export HUSK_SUPERVISOR="$top/build-san/husk-supervisor"
export HUSK_TEST_IMAGES="$top/build/test-images"
export HUSK_REPO="$top"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

results="$top/build-san/test-results"
rm -rf "$results"
mkdir -p "$results"

run_suite() { # run_suite NAME COMMAND...: runs a TAP producer, keeps its output, echoes it
    local name=$1
    shift
    echo "# suite: $name"
    # Suites never read the caller's stdin (CI's may be closed or write-only, which breaks script(1)).
    "$@" </dev/null 2>&1 | tee "$results/$name.tap"
    local status=${PIPESTATUS[0]}
    # A producer that died before its plan was met is a failure even if every line it printed was ok.
    local planned ran
    planned=$(grep -m1 -oE '^1\.\.[0-9]+' "$results/$name.tap" | cut -d. -f3)
    ran=$(grep -cE '^(not )?ok ' "$results/$name.tap")
    if [ -z "$planned" ] || [ "$planned" != "$ran" ] || { [ "$status" -ne 0 ] && ! grep -q '^not ok' "$results/$name.tap"; }; then
        echo "not ok - $name: exited $status after $ran of ${planned:-?} planned tests" | tee -a "$results/$name.tap"
    fi
}

for suite in "${suites[@]}"; do
    case $suite in
    unit)
        for t in build-san/tests/unit/test_*; do
            [ -x "$t" ] && [ -f "$t" ] && run_suite "unit-$(basename "$t")" "$t"
        done
        ;;
    e2e) run_suite e2e bats --tap tests/e2e ;;
    lint) run_suite lint scripts/lint.sh "$top/build" ;;
    fuzz) [ -x tests/fuzz/run.sh ] && run_suite fuzz tests/fuzz/run.sh ;;
    *) die "unknown suite '$suite' (expected unit, e2e, lint or fuzz)" ;;
    esac
done

passed=0 failed=0 skipped=0 unexpected=0
declare -A allowed=()
if [ -f tests/expected-skips.txt ]; then
    while IFS= read -r line; do
        line=${line%%#*}
        line=${line%"${line##*[![:space:]]}"}
        [ -n "$line" ] && allowed[$line]=1
    done <tests/expected-skips.txt
fi
for f in "$results"/*.tap; do
    while IFS= read -r line; do
        case $line in
        "not ok"*) failed=$((failed + 1)) ;;
        ok*"# skip"* | ok*"# SKIP"*)
            skipped=$((skipped + 1))
            name=$(sed -E 's/^ok [0-9]+ (- )?//; s/ # (skip|SKIP).*//' <<<"$line")
            if [ "${CI:-}" = true ] && [ -z "${allowed[$name]:-}" ]; then
                echo "tests: unexpected skip in CI: $line"
                unexpected=$((unexpected + 1))
            fi
            ;;
        ok*) passed=$((passed + 1)) ;;
        esac
    done <"$f"
done
failed=$((failed + unexpected))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
