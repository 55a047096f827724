/* The node's limits on what pods may use, as the kubelet's configuration names them: container log
 * rotation (containerLogMaxSize, containerLogMaxFiles), the pod PID limit (podPidsLimit) and the hard
 * eviction thresholds (--eviction-hard). The daemon's flags fill them (limits.c parses the flag values). */
#ifndef HUSK_NODE_LIMITS_H
#define HUSK_NODE_LIMITS_H

#include "base/error.h"
#include "runtime/runtime.h"

#include <stdbool.h>
#include <stdint.h>

/* The eviction signals husk observes (pkg/kubelet/eviction/api/types.go). imagefs is the data dir's
 * filesystem too: husk keeps images and pods on one filesystem, as a kubelet without a dedicated imagefs. */
enum node_eviction_signal {
    NODE_SIGNAL_MEMORY_AVAILABLE,
    NODE_SIGNAL_NODEFS_AVAILABLE,
    NODE_SIGNAL_NODEFS_INODES_FREE,
    NODE_SIGNAL_IMAGEFS_AVAILABLE,
    NODE_SIGNALS,
};

/* One threshold "SIGNAL<QUANTITY" or "SIGNAL<PERCENT%". */
struct node_eviction_threshold {
    bool set;
    int64_t quantity;  /* bytes (inodes for nodefs.inodesFree), when percentage is 0 */
    double percentage; /* of the capacity, 0 < p <= 1 */
};

struct node_limits {
    int64_t container_log_max_bytes; /* 0: no rotation */
    int container_log_max_files;     /* >= 2 */
    int64_t pod_pids_limit;          /* pids.max of each pod's cgroup; -1: unlimited */
    struct node_eviction_threshold eviction_hard[NODE_SIGNALS];
    int housekeeping_interval_ms; /* how often logs and eviction signals are looked at */
};

/* The kubelet's defaults: 10Mi x 5 log files, podPidsLimit 4096 (the kubelet's is unlimited; a fork bomb
 * must not take the node), memory.available<100Mi, nodefs.available<10%, nodefs.inodesFree<5%,
 * imagefs.available<15%; housekeeping every 2 s. */
void node_limits_default(struct node_limits *ret);

/* "memory.available<100Mi,nodefs.available<10%": replaces every threshold (the ones not given are off, as
 * the kubelet does when --eviction-hard is set). "" turns eviction off. */
int node_limits_parse_eviction_hard(const char *text, struct node_limits *limits, husk_error *err);

/* A size ("10Mi") for --container-log-max-size. */
int node_limits_parse_size(const char *text, int64_t *ret_bytes, husk_error *err);

/* The pod cgroup's pids.max (0 in limits: the node layer's default of 4096; -1: unlimited) and each
 * container's log rotation (0: none). */
void node_limits_apply_to_sandbox(const struct node_limits *limits, struct runtime_sandbox_config *config);
void node_limits_apply_to_container(const struct node_limits *limits,
                                    struct runtime_container_config *config);

/* "memory.available", ... */
const char *node_eviction_signal_name(enum node_eviction_signal signal);

#endif
