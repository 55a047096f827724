/* The node agent: what the kubelet is to a Kubernetes node. It runs the pods it is given (from the API
 * and from static manifests) through one pod worker each, keeps them running across restarts of the
 * daemon (their state lives under DATA_DIR/pods/UID), and reports status and events back through hooks,
 * so that this layer never calls the API layer above it. */
#ifndef HUSK_NODE_AGENT_H
#define HUSK_NODE_AGENT_H

#include "base/error.h"
#include "image/image.h"
#include "node/backoff.h"
#include "node/cni.h"
#include "node/limits.h"
#include "node/pod_paths.h"

#include <jansson.h>
#include <stdint.h>

struct node_agent;

/* Hooks are called from the pods' worker threads, so they must be thread-safe. */
struct node_agent_hooks {
    /* The pod's status (a Kubernetes PodStatus) changed. */
    void (*pod_status)(void *data, const json_t *pod, const json_t *status);
    /* An event: type "Normal" or "Warning", reason ("Pulled", "Started", "BackOff", ...), the container's
     * field path ("spec.containers{app}") or NULL, and the message. */
    void (*pod_event)(void *data, const json_t *pod, const char *type, const char *reason,
                      const char *field_path, const char *message);
    /* The pod was killed and nothing of it is left on the node. */
    void (*pod_gone)(void *data, const json_t *pod, const json_t *final_status);
    /* ConfigMaps and Secrets for env and volumes (see node_pod_facts.lookup); NULL when there are none. */
    int (*lookup)(void *data, const char *resource, const char *namespace_, const char *name, json_t **ret,
                  husk_error *err);
    void *data;
};

struct node_agent_config {
    const char *data_dir; /* pods under DATA_DIR/pods, logs under DATA_DIR/logs */
    const char *node_name;
    const char *host_ip;       /* status.hostIP */
    const char *cgroup_parent; /* pods' cgroups go under it; NULL: "husk" */
    struct image_store *images;
    const struct image_pull_options *pull_options; /* NULL: defaults */
    struct node_agent_hooks hooks;
    struct node_backoff backoff; /* periods; zeros are Kubernetes' defaults */
    struct node_cni *cni;        /* the pod network (not owned); NULL: pods have their loopback only */
    struct node_limits limits;   /* log rotation, pod PID limit, eviction; zeros: no rotation, 4096 PIDs */
    int sandbox_pool;            /* spare sandboxes kept ready (runtime_sandbox_pool_new); 0: none */
};

/* The agent's spare sandboxes (DATA_DIR/sandbox-pool), for the pod workers; NULL when there are none. */
struct runtime_sandbox_pool;
struct runtime_sandbox_pool *node_agent_sandbox_pool(const struct node_agent *agent);

/* The node's trash (trash.h), for the pod workers; NULL when it could not be made. */
struct node_trash;
struct node_trash *node_agent_trash(const struct node_agent *agent);

/* Starts the agent and resumes every pod found under DATA_DIR/pods (their containers keep running). */
int node_agent_new(const struct node_agent_config *config, struct node_agent **ret, husk_error *err);

/* Runs pod (with metadata.uid set), or takes its new version if it runs already. */
int node_agent_sync_pod(struct node_agent *agent, const json_t *pod, husk_error *err);

/* Terminates the pod gracefully: grace_seconds, or the pod's terminationGracePeriodSeconds when negative.
 * Unknown uids are ignored. */
void node_agent_kill_pod(struct node_agent *agent, const char *uid, int64_t grace_seconds);

/* The pods the agent runs (a new array of their JSON), for reconciling with the API after a restart. */
json_t *node_agent_pods(struct node_agent *agent);

/* The kubelet's housekeeping of orphaned pod dirs: removes what is left on disk (sandbox, volumes' mounts,
 * pod dir, logs) of pods that have no worker and whose uid is not a key of known (the API's pods). They
 * are left by a daemon killed between creating a pod's dir and recording it, or by a pod deleted from the
 * API while the daemon was down before the node recorded it. */
void node_agent_remove_orphans(struct node_agent *agent, const json_t *known);

/* Stops the workers and frees the agent; the pods keep running, to be resumed by the next agent. */
void node_agent_free(struct node_agent *agent);

/* Evicts the pod (the eviction manager's decision): it fails with reason Evicted and message, its
 * containers stopped within grace_seconds. False when the agent does not run it or it has finished. */
bool node_agent_evict_pod(struct node_agent *agent, const char *uid, const char *message,
                          int64_t grace_seconds);

/* Whether the pod of uid, evicted, has its containers stopped (or is gone altogether). */
bool node_agent_pod_evicted(struct node_agent *agent, const char *uid);

/* Whether the pod of uid runs on this agent and has not finished (evicted, completed, failed). */
bool node_agent_pod_active(struct node_agent *agent, const char *uid);

/* Whether a worker still has the pod of uid, stopping it or just ended included. */
bool node_agent_has_pod(struct node_agent *agent, const char *uid);

/* Internals the workers share. */
const struct node_agent_config *node_agent_config(const struct node_agent *agent);
void node_agent_pod_done(struct node_agent *agent, const char *uid);

#endif
