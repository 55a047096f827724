#!/usr/bin/env bats
# The unit-test runner must report failures, crashes, timeouts and skips for what they are.
load helpers

@test "harness: pass, failed check, crash, timeout and skip are each reported as such" {
    selftest="$(dirname "$HUSK")/tests/unit/harness_selftest"
    [ -x "$selftest" ]
    run --separate-stderr "$selftest"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "1..5" ]
    [ "${lines[1]}" = "ok 1 - passes" ]
    [ "${lines[2]}" = "not ok 2 - fails_on_check" ]
    [ "${lines[3]}" = "not ok 3 - fails_on_crash" ]
    [ "${lines[4]}" = "not ok 4 - fails_on_timeout" ]
    [ "${lines[5]}" = "ok 5 - skips_with_reason # skip no such device here" ]
    [[ "$stderr" == *"1 + 1 is 2, expected 3"* ]]
    [[ "$stderr" == *"fails_on_timeout: killed by signal 14 (timeout)"* ]]
}

@test "harness: a name filter runs only the matching tests" {
    run "$(dirname "$HUSK")/tests/unit/harness_selftest" passes
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "1..1" ]
    [ "${lines[1]}" = "ok 1 - passes" ]
}
