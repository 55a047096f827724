/* Static pods: the pods a node runs from the manifests in a directory, without the API server
 * (tasks/configure-pod-container/static-pod). The directory is watched with inotify plus a periodic
 * resync (the kubelet's fileCheckFrequency, 20 s); each manifest becomes a pod named NAME-NODE whose uid is
 * a hash of the manifest, the node and the file, so an edited file is a new pod that replaces the old.
 * As in the kubelet, a replacement starts once the pod it replaces has stopped, and a removed pod keeps its
 * mirror until it has stopped.
 * The pods run through the node agent, so they keep running, and restarting, whatever the API does. */
#ifndef HUSK_NODE_STATIC_PODS_H
#define HUSK_NODE_STATIC_PODS_H

#include "base/error.h"
#include "node/agent.h"

#include <jansson.h>

#define NODE_STATIC_RESYNC_MS   20000
#define NODE_STATIC_STOPPING_MS 250

struct node_static_pods;

struct node_static_pods_hooks {
    /* The set of static pods changed: pods is an array of the current ones (as run, with their
     * kubernetes.io/config.* annotations), for the API's mirror pods. Called from the watcher's thread. */
    void (*changed)(void *data, const json_t *pods);
    void *data;
};

int node_static_pods_start(struct node_agent *agent, const char *manifest_dir, const char *node_name,
                           const struct node_static_pods_hooks *hooks, struct node_static_pods **ret,
                           husk_error *err);

/* The static pods mirrors show (a new array): those running, and those removed but still stopping (a pod
 * that replaces one starts only once it has stopped). */
json_t *node_static_pods_list(struct node_static_pods *s);

/* Stops watching; the pods keep running. */
void node_static_pods_stop(struct node_static_pods *s);

/* Reads one manifest into a static pod for node_name: decoded, defaulted, validated, named and annotated.
 * Exposed for tests and `husk validate`-like checks. */
int node_static_pod_from_file(const char *path, const char *node_name, json_t **ret, husk_error *err);

#endif
