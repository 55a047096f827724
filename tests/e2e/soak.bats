#!/usr/bin/env bats
# The short soak (tests/soak/soak.sh): 10 pods through 20 create/delete cycles with 2 daemon restarts (one
# SIGTERM, one SIGKILL); fails on any mount, network namespace, cgroup, supervisor, pod dir, log dir, image
# temp dir or daemon fd/thread left over, on RSS growth in one daemon lifetime, and on LeakSanitizer leaks.
load helpers

setup() {
    require_root
}

@test "soak: 10 pods x 20 cycles x 2 daemon restarts leak nothing" {
    run "$REPO/tests/soak/soak.sh" -n 10 -m 20 -k 2 -o "$BATS_TEST_TMPDIR/report"
    echo "$output" | tail -20
    [ "$status" -eq 0 ]
    grep -q "no leaks" "$BATS_TEST_TMPDIR/report"
}
