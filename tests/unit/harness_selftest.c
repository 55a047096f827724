/* Tests of the runner itself, run by tests/e2e/harness.bats (not by tests/run.sh directly): each case
 * below must come out as its name says, so a broken runner cannot report everything as passing. */
#include "harness.h"

#include <signal.h>

TEST(passes)
{
    CHECK(1 + 1 == 2);
}

TEST(fails_on_check)
{
    CHECK_INT_EQ(1 + 1, 3);
}

TEST(fails_on_crash)
{
    raise(SIGSEGV);
}

TEST_WITH_TIMEOUT(fails_on_timeout, 1)
{
    pause();
}

TEST(skips_with_reason)
{
    SKIP("no such device here");
}
