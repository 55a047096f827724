/* The kubelet's eviction manager (pkg/kubelet/eviction): when the node runs low on memory or disk, or a
 * pod's emptyDir outgrows its sizeLimit, a pod is evicted — its containers killed within 1 s, its phase
 * Failed with reason Evicted and the kubelet's message, a Warning event — and the Node reports
 * MemoryPressure or DiskPressure. This header holds the decisions, as pure functions over observations
 * (unit-tested); eviction_manager.c gathers the observations and acts on them. */
#ifndef HUSK_NODE_EVICTION_H
#define HUSK_NODE_EVICTION_H

#include "node/limits.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The reason on the pod and its event (pkg/kubelet/eviction/helpers.go). */
#define NODE_EVICTION_REASON "Evicted"

/* What one signal measured: available out of capacity (bytes; inodes for nodefs.inodesFree). */
struct node_eviction_observation {
    bool known;
    int64_t available, capacity;
};

struct node_eviction_container {
    const char *name;
    int64_t usage, request; /* of the resource being reclaimed */
};

/* One pod as the eviction manager ranks it, for the resource being reclaimed. */
struct node_eviction_pod {
    const json_t *pod;
    bool critical;    /* static (mirror) pods and priority >= 2000000000: never evicted */
    int32_t priority; /* spec.priority, 0 when unset */
    int64_t usage, request;
    struct node_eviction_container *containers;
    size_t container_count;
};

/* The threshold's value in bytes for a capacity (a percentage is of the capacity). */
int64_t node_eviction_threshold_value(const struct node_eviction_threshold *t, int64_t capacity);

/* Which thresholds are met (available < threshold); returns how many. */
size_t node_eviction_thresholds_met(const struct node_limits *limits,
                                    const struct node_eviction_observation observed[NODE_SIGNALS],
                                    bool ret_met[NODE_SIGNALS]);

/* The signal to reclaim first among those met: memory before disk, as the kubelet's byEvictionPriority;
 * NODE_SIGNALS when none is met. */
enum node_eviction_signal node_eviction_signal_to_reclaim(const bool met[NODE_SIGNALS]);

/* The node conditions the met thresholds set. */
bool node_eviction_memory_pressure(const bool met[NODE_SIGNALS]);
bool node_eviction_disk_pressure(const bool met[NODE_SIGNALS]);

/* "memory" or "ephemeral-storage". */
const char *node_eviction_resource(enum node_eviction_signal signal);

/* Sorts pods in the order the kubelet evicts them (rankMemoryPressure, rankDiskPressureFunc): pods whose
 * usage exceeds their request first, then lower priority first, then larger usage over request first.
 * BestEffort pods request nothing, so any usage exceeds it. */
void node_eviction_rank(struct node_eviction_pod *pods, size_t count);

/* The first pod of a ranked list that may be evicted, or NULL. */
const struct node_eviction_pod *node_eviction_pick(const struct node_eviction_pod *pods, size_t count);

/* The kubelet's message: "The node was low on resource: memory. Threshold quantity: 100Mi, available:
 * 51200Ki. Container app was using 10Mi, request is 0, has larger consumption of memory. " */
void node_eviction_message(enum node_eviction_signal signal, const struct node_eviction_threshold *t,
                           const struct node_eviction_observation *observed,
                           const struct node_eviction_pod *pod, char *buf, size_t size);

/* An emptyDir (not medium Memory, which its tmpfs size bounds) with a sizeLimit that usage exceeds:
 * fills buf with "Usage of EmptyDir volume \"x\" exceeds the limit \"1Mi\". " and returns true. */
bool node_eviction_emptydir_exceeded(const json_t *volume, int64_t usage, char *buf, size_t size);

/* A volume of the pod's that is an emptyDir with a sizeLimit on disk (what the manager measures). */
bool node_eviction_emptydir_limited(const json_t *volume);

/* Whether the kubelet never evicts the pod: static and mirror pods, priority >= 2000000000. */
bool node_eviction_pod_is_critical(const json_t *pod);

/* Bytes as the kubelet prints a resource.Quantity in BinarySI: "100Mi", "51200Ki", "1000". */
void node_eviction_format_bytes(int64_t bytes, char *buf, size_t size);

#endif
