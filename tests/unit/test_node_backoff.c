/* CrashLoopBackOff timing (src/node/backoff.c), with Kubernetes' real defaults. */
#include "harness.h"
#include "node/backoff.h"

TEST(backoff_first_crash_restarts_at_once_then_10s_20s_40s)
{
    struct node_backoff b = {0};
    CHECK_INT_EQ(node_backoff_on_exit(&b, 100), 0);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 100), 10000);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 100), 20000);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 100), 40000);
}

TEST(backoff_caps_at_five_minutes)
{
    struct node_backoff b = {0};
    int64_t last = 0;
    for (int i = 0; i < 12; i++)
        last = node_backoff_on_exit(&b, 1000);
    CHECK_INT_EQ(last, 300000);
}

TEST(backoff_resets_after_ten_minutes_of_running)
{
    struct node_backoff b = {0};
    node_backoff_on_exit(&b, 1000);
    node_backoff_on_exit(&b, 1000);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 1000), 20000);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 600000), 0);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 1000), 10000);
}

TEST(backoff_periods_can_be_shortened_for_tests)
{
    struct node_backoff b = {.initial_ms = 100, .max_ms = 300, .reset_ms = 5000};
    CHECK_INT_EQ(node_backoff_on_exit(&b, 10), 0);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 10), 100);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 10), 200);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 10), 300);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 10), 300);
    CHECK_INT_EQ(node_backoff_on_exit(&b, 6000), 0);
}
