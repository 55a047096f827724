# Shared set-up for the end-to-end tests: which husk binary to drive, and where the test images are.
bats_require_minimum_version 1.5.0
REPO=${HUSK_REPO:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
HUSK=${HUSK:-$REPO/build/husk}
HUSK_TEST_IMAGES=${HUSK_TEST_IMAGES:-$REPO/build/test-images}

require_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
}
