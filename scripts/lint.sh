#!/usr/bin/env bash
# The tree's hygiene checks, printed as TAP so tests/run.sh counts them with the other suites:
# formatting (clang-format), clang-tidy and cppcheck over src/ and tests/.
# Usage: scripts/lint.sh BUILD_DIR   (a meson build dir with compile_commands.json)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
cd "$top" || exit 1
mapfile -t c_files < <(git ls-files -co --exclude-standard -- 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' | sort)
n=0
echo "1..3"
check() { # check NAME OUTPUT_FILE STATUS
    n=$((n + 1))
    if [ "$3" -eq 0 ]; then echo "ok $n - lint: $1"; else
        echo "not ok $n - lint: $1"; sed 's/^/# /' "$2" | head -60; fi
}
out=$(mktemp); trap 'rm -f "$out"' EXIT
clang-format --dry-run --Werror "${c_files[@]}" >"$out" 2>&1; check "clang-format (run clang-format -i on the files named)" "$out" $?
mapfile -t tidy_files < <(printf '%s\n' "${c_files[@]}" | grep '\.c$' | grep -v '^tests/fuzz/')
run-clang-tidy -quiet -p "$build" "${tidy_files[@]/#/$top/}" >"$out.all" 2>&1
status=$?
# Only the findings, each with the two lines that show where; run-clang-tidy's command lines are noise.
sed 's/\x1b\[[0-9;]*m//g' "$out.all" | grep -E -A2 '(warning|error):' >"$out" && status=1
[ "$status" -eq 0 ] || [ -s "$out" ] || cp "$out.all" "$out"
rm -f "$out.all"
check "clang-tidy" "$out" $status
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
    --std=c11 -D__GNUC__ -I src --suppress=missingIncludeSystem src tests/unit >"$out" 2>&1
check "cppcheck" "$out" $?
