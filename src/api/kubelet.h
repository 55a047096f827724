/* The link between the API and this node's agent, as the kubelet's API-facing half: pods bound to this
 * node (and unbound ones, which it binds: husk is a one-node cluster) run through the node agent; their
 * status and events are written back; deleted pods are stopped and then removed; static pods show as
 * mirror pods that come back when deleted. The node layer below knows nothing of the store. */
#ifndef HUSK_API_KUBELET_H
#define HUSK_API_KUBELET_H

#include "api/server.h"
#include "api/store.h"
#include "base/error.h"
#include "node/limits.h"

struct api_kubelet_config {
    const struct node_limits *limits; /* log rotation, pod PID limit, eviction; NULL: the defaults */
    const char *data_dir;
    const char *manifest_dir;
    const char *node_name;
    const char *cgroup_parent;          /* NULL: "husk" */
    const struct node_cni_options *cni; /* NULL: no pod network */
    bool store_recreated; /* the store was damaged and made afresh: the node's pods go back into it */
    int sandbox_pool;     /* spare sandboxes kept ready; 0: none */
};

struct api_kubelet;

int api_kubelet_start(store *s, api_server *server, const struct api_kubelet_config *config,
                      struct api_kubelet **ret, husk_error *err);

/* Stops watching and the pod workers; the pods keep running for the next daemon. Accepts NULL. */
void api_kubelet_stop(struct api_kubelet *k);

#endif
