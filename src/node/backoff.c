/* See backoff.h. */
#include "node/backoff.h"

static int64_t or_default(int64_t value, int64_t fallback)
{
    return value > 0 ? value : fallback;
}

int64_t node_backoff_on_exit(struct node_backoff *b, int64_t ran_ms)
{
    int64_t initial = or_default(b->initial_ms, NODE_BACKOFF_INITIAL_MS);
    int64_t max = or_default(b->max_ms, NODE_BACKOFF_MAX_MS);
    if (ran_ms >= or_default(b->reset_ms, NODE_BACKOFF_RESET_MS))
        b->next_delay_ms = 0;
    int64_t delay = b->next_delay_ms;
    int64_t next = delay == 0 ? initial : delay * 2;
    b->next_delay_ms = next > max ? max : next;
    return delay;
}
