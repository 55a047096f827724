/* See eviction.h: the eviction manager's decisions, after pkg/kubelet/eviction/helpers.go. */
#include "node/eviction.h"

#include "objects/pod.h"
#include "objects/quantity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kubelettypes.IsCriticalPod: system-node-critical and system-cluster-critical are 2000001000 and
 * 2000000000. */
#define CRITICAL_PRIORITY 2000000000

int64_t node_eviction_threshold_value(const struct node_eviction_threshold *t, int64_t capacity)
{
    if (t->percentage > 0)
        return (int64_t)((double)capacity * t->percentage);
    return t->quantity;
}

size_t node_eviction_thresholds_met(const struct node_limits *limits,
                                    const struct node_eviction_observation observed[NODE_SIGNALS],
                                    bool ret_met[NODE_SIGNALS])
{
    size_t count = 0;
    for (size_t s = 0; s < NODE_SIGNALS; s++) {
        const struct node_eviction_threshold *t = &limits->eviction_hard[s];
        ret_met[s] = t->set && observed[s].known &&
                     observed[s].available < node_eviction_threshold_value(t, observed[s].capacity);
        count += ret_met[s];
    }
    return count;
}

enum node_eviction_signal node_eviction_signal_to_reclaim(const bool met[NODE_SIGNALS])
{
    /* Memory first; then the disk signals in the kubelet's order. */
    static const enum node_eviction_signal order[] = {
        NODE_SIGNAL_MEMORY_AVAILABLE, NODE_SIGNAL_NODEFS_AVAILABLE, NODE_SIGNAL_NODEFS_INODES_FREE,
        NODE_SIGNAL_IMAGEFS_AVAILABLE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (met[order[i]])
            return order[i];
    return NODE_SIGNALS;
}

bool node_eviction_memory_pressure(const bool met[NODE_SIGNALS])
{
    return met[NODE_SIGNAL_MEMORY_AVAILABLE];
}

bool node_eviction_disk_pressure(const bool met[NODE_SIGNALS])
{
    return met[NODE_SIGNAL_NODEFS_AVAILABLE] || met[NODE_SIGNAL_NODEFS_INODES_FREE] ||
           met[NODE_SIGNAL_IMAGEFS_AVAILABLE];
}

const char *node_eviction_resource(enum node_eviction_signal signal)
{
    return signal == NODE_SIGNAL_MEMORY_AVAILABLE ? "memory" : "ephemeral-storage";
}

static int compare_pods(const void *pa, const void *pb)
{
    const struct node_eviction_pod *a = pa, *b = pb;
    bool a_exceeds = a->usage > a->request, b_exceeds = b->usage > b->request;
    if (a_exceeds != b_exceeds)
        return a_exceeds ? -1 : 1;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    int64_t a_over = a->usage - a->request, b_over = b->usage - b->request;
    if (a_over != b_over)
        return a_over > b_over ? -1 : 1;
    return 0;
}

void node_eviction_rank(struct node_eviction_pod *pods, size_t count)
{
    if (count > 1)
        qsort(pods, count, sizeof *pods, compare_pods);
}

const struct node_eviction_pod *node_eviction_pick(const struct node_eviction_pod *pods, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!pods[i].critical)
            return &pods[i];
    return NULL;
}

void node_eviction_format_bytes(int64_t bytes, char *buf, size_t size)
{
    struct objects_quantity q = {.mantissa = bytes, .scale = 0, .format = OBJECTS_QUANTITY_BINARY_SI};
    if (objects_quantity_format(&q, buf, size) < 0)
        snprintf(buf, size, "%lld", (long long)bytes);
}

void node_eviction_message(enum node_eviction_signal signal, const struct node_eviction_threshold *t,
                           const struct node_eviction_observation *observed,
                           const struct node_eviction_pod *pod, char *buf, size_t size)
{
    const char *resource = node_eviction_resource(signal);
    char threshold[64], available[64];
    node_eviction_format_bytes(node_eviction_threshold_value(t, observed->capacity), threshold,
                               sizeof threshold);
    node_eviction_format_bytes(observed->available, available, sizeof available);
    int n = snprintf(buf, size, "The node was low on resource: %s. Threshold quantity: %s, available: %s. ",
                     resource, threshold, available);
    for (size_t i = 0; pod != NULL && i < pod->container_count && n > 0 && (size_t)n < size; i++) {
        const struct node_eviction_container *c = &pod->containers[i];
        if (c->usage <= c->request)
            continue;
        char usage[64], request[64];
        node_eviction_format_bytes(c->usage, usage, sizeof usage);
        node_eviction_format_bytes(c->request, request, sizeof request);
        n += snprintf(buf + n, size - (size_t)n,
                      "Container %s was using %s, request is %s, has larger consumption of %s. ", c->name,
                      usage, request, resource);
    }
}

bool node_eviction_emptydir_limited(const json_t *volume)
{
    const json_t *empty_dir = objects_get_object(volume, "emptyDir");
    const char *medium = objects_get_string(empty_dir, "medium");
    return empty_dir != NULL && json_object_get(empty_dir, "sizeLimit") != NULL &&
           (medium == NULL || strcmp(medium, "Memory") != 0);
}

bool node_eviction_emptydir_exceeded(const json_t *volume, int64_t usage, char *buf, size_t size)
{
    if (!node_eviction_emptydir_limited(volume))
        return false;
    struct objects_quantity limit;
    husk_error err = {0};
    const json_t *value = json_object_get(objects_get_object(volume, "emptyDir"), "sizeLimit");
    if (objects_quantity_from_json(value, &limit, &err) < 0 || usage <= objects_quantity_value(&limit))
        return false;
    char text[64];
    if (objects_quantity_format(&limit, text, sizeof text) < 0)
        snprintf(text, sizeof text, "%s", json_string_value(value) ? json_string_value(value) : "?");
    snprintf(buf, size, "Usage of EmptyDir volume \"%s\" exceeds the limit \"%s\". ",
             objects_get_string(volume, "name"), text);
    return true;
}

bool node_eviction_pod_is_critical(const json_t *pod)
{
    const json_t *annotations = objects_get_object(objects_get_object(pod, "metadata"), "annotations");
    const char *source = objects_get_string(annotations, "kubernetes.io/config.source");
    int64_t priority = 0;
    if (source != NULL && strcmp(source, "api") != 0)
        return true; /* a static pod (kubelettypes.IsStaticPod) */
    if (objects_get_string(annotations, "kubernetes.io/config.mirror") != NULL)
        return true;
    return objects_get_int(objects_pod_spec(pod), "priority", &priority) && priority >= CRITICAL_PRIORITY;
}
