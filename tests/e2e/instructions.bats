#!/usr/bin/env bats
# The CPU-instruction budget of one pod start (bench/instructions-budget.txt), counted by callgrind
# (bench/instructions.sh) on the build without sanitizers (build/husk, which scripts/setup.sh makes; the
# sanitizers' own work would swamp the count). Instruction counts do not depend on how busy the machine
# is, so a regression shows here where timings would drown in noise.
load helpers

budget() { awk '$1 == "pod_start_instructions" { print $2 }' "$REPO/bench/instructions-budget.txt"; }

@test "instructions: one start of the seed pod stays within twice the daemon's instruction budget" {
    require_root
    local release=${HUSK_RELEASE:-$REPO/build/husk}
    [ -x "$release" ] || skip "no build without sanitizers at $release (scripts/setup.sh makes it)"
    command -v valgrind >/dev/null || skip "valgrind is not installed (scripts/setup.sh installs it)"
    local limit count
    limit=$(budget)
    [ -n "$limit" ]
    run "$REPO/bench/instructions.sh" "$release" 3
    echo "$output"
    [ "$status" -eq 0 ]
    count=$(awk '$1 == "pod_start_instructions" { print $2 }' <<<"$output")
    echo "counted $count instructions; budget $limit, failing above $((2 * limit))"
    # A count far below the budget means the measurement missed the work, not that husk got 10x faster.
    [ "$count" -gt $((limit / 10)) ]
    [ "$count" -le $((2 * limit)) ]
}
