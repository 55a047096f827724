/* The node's housekeeping thread: every limits.housekeeping_interval_ms it compresses and trims rotated
 * container logs (container_logs.c) and runs the eviction manager's pass (the kubelet's synchronize):
 * emptyDirs over their sizeLimit, then the hard thresholds — node conditions through a hook, and at most
 * one pod evicted per pass, ranked by eviction.h. */
#ifndef HUSK_NODE_EVICTION_MANAGER_H
#define HUSK_NODE_EVICTION_MANAGER_H

#include "base/error.h"
#include "node/agent.h"

#include <stdbool.h>

struct node_eviction_hooks {
    /* The node's MemoryPressure and DiskPressure changed (and once at start). */
    void (*node_conditions)(void *data, bool memory_pressure, bool disk_pressure);
    /* An event about the node: "Warning", "EvictionThresholdMet", "Attempting to reclaim memory". */
    void (*node_event)(void *data, const char *type, const char *reason, const char *message);
    void *data;
};

struct node_eviction_manager;

int node_eviction_manager_start(struct node_agent *agent, const struct node_eviction_hooks *hooks,
                                struct node_eviction_manager **ret, husk_error *err);

/* Stops the thread and frees the manager; accepts NULL. */
void node_eviction_manager_stop(struct node_eviction_manager *manager);

#endif
