/* The restart back-off of a crashing container (CrashLoopBackOff), as Kubernetes documents it
 * (concepts/workloads/pods/pod-lifecycle, "Container restart policy"): the first crash is restarted at
 * once, later ones after 10 s, doubling to a 300 s cap; a container that ran for 10 minutes without a
 * problem has its back-off reset. */
#ifndef HUSK_NODE_BACKOFF_H
#define HUSK_NODE_BACKOFF_H

#include <stdint.h>

#define NODE_BACKOFF_INITIAL_MS 10000
#define NODE_BACKOFF_MAX_MS     300000
#define NODE_BACKOFF_RESET_MS   600000

struct node_backoff {
    int64_t next_delay_ms; /* the delay the next crash gets; 0 means "restart at once" */
    /* Tests shorten the periods; 0 in a field means the Kubernetes default above. */
    int64_t initial_ms, max_ms, reset_ms;
};

/* Called when the container exits after running for ran_ms; returns how long to wait before restarting
 * it, and advances the back-off for the crash after this one. */
int64_t node_backoff_on_exit(struct node_backoff *b, int64_t ran_ms);

#endif
