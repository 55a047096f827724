/* One pod worker per pod: the kubelet's per-pod state machine (pkg/kubelet/pod_workers.go + SyncPod),
 * run on a thread of its own. It drives the runtime (sandbox, containers), decides restarts by the
 * restart policies and back-off, runs init containers and sidecars in order, terminates gracefully, and
 * reports the pod's status and events through the agent's hooks. Private to src/node. */
#ifndef HUSK_NODE_WORKER_H
#define HUSK_NODE_WORKER_H

#include "node/agent.h"
#include "node/backoff.h"
#include "runtime/runtime.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum node_container_kind { NODE_CONTAINER_INIT, NODE_CONTAINER_SIDECAR, NODE_CONTAINER_APP };

enum node_probe_kind { NODE_PROBE_STARTUP, NODE_PROBE_LIVENESS, NODE_PROBE_READINESS, NODE_PROBE_KINDS };

/* One probe's schedule and its run of consecutive results (pkg/kubelet/prober/worker.go). */
struct node_probe_state {
    int64_t next_ms; /* monotonic: when it runs next */
    int successes, failures;
};

/* What the worker knows of one container of its pod. Touched only by the worker's thread. */
struct node_container {
    const json_t *spec; /* an element of the pod's containers or initContainers */
    const char *name;
    enum node_container_kind kind;
    bool exists;        /* an instance of it exists in the sandbox */
    int runs;           /* instances started so far; restartCount is runs - 1 */
    json_t *state;      /* Kubernetes ContainerState: {"waiting":{...}} / running / terminated */
    json_t *last_state; /* Kubernetes ContainerState of the previous instance, or {} */
    bool started, ready;
    int stop_signal;
    struct node_backoff backoff;      /* crash loops */
    struct node_backoff pull_backoff; /* failed image pulls (ImagePullBackOff) */
    int64_t not_before_ms;            /* monotonic: the back-off holds restarts until then */
    int64_t started_ms;               /* monotonic start of the current instance */
    char *image_id;                   /* "sha256:..." once the image is known */
    char *image_name;                 /* the image as the status shows it */
    int watch;                        /* inotify watch of its state dir, or -1 */
    struct node_probe_state probes[NODE_PROBE_KINDS];
    int64_t kill_deadline_ms;     /* a kill for restart is under way: SIGKILL then; 0 when none */
    char *prepared;               /* made ready while the init containers ran, with this config (its text) */
    struct image *prepared_image; /* the image it was made ready with */
    unsigned prepared_at;         /* the pod's updates (node_pod_worker.updates) then */
    bool started_event;           /* its "Started" event waits for the status (report) */
};

struct node_pod_worker {
    struct node_agent *agent;
    json_t *pod; /* the pod being run; owned */
    char *uid;
    char *pod_dir; /* DATA/pods/UID */
    char *log_dir; /* DATA/logs/NS_NAME_UID */
    struct runtime_sandbox *sandbox;
    json_t *pod_ips;                   /* the pod's IPs from its network (strings), or NULL */
    struct node_container *containers; /* init containers first, in order, then app containers */
    size_t count;
    char *start_time;      /* RFC 3339, when the worker first saw the pod */
    json_t *conditions;    /* last reported conditions, for their transition times */
    json_t *last_status;   /* last reported status */
    char *terminal_reason; /* "DeadlineExceeded" */
    char *terminal_message;
    char *admit_message;       /* why the pod cannot start yet (a full disk), shown as status.message */
    int64_t started_ms;        /* monotonic, for activeDeadlineSeconds */
    int64_t volumes_synced_ms; /* monotonic: the last refresh of configMap/secret/downwardAPI volumes */

    /* Requests from other threads, under lock. */
    pthread_mutex_t lock;
    int64_t kill_grace_seconds;
    json_t *pending_pod;
    char *evict_message; /* the eviction manager evicts the pod (worker_evict.c) */
    int64_t evict_grace_seconds;

    pthread_t thread;
    int wake_fd;    /* eventfd */
    int inotify_fd; /* container state changes */

    /* Flags, together for the struct's packing. */
    bool pod_failed;        /* an init container failed under restartPolicy Never */
    _Atomic bool completed; /* every container has finished for good (read by the eviction manager) */
    bool kill_requested;    /* under lock, with kill_grace_seconds */
    bool stop_thread;       /* under lock: the daemon stops; the pod keeps running */
    bool evicted;           /* its containers are stopped after an eviction */
    bool gone;              /* terminated and cleaned up */
    bool apps_started;      /* each app container has been started once (the sandbox pool is told) */
    unsigned updates;       /* how many times the pod's JSON was replaced by a newer one */
};

/* worker.c */
int node_worker_new(struct node_agent *agent, const json_t *pod, struct node_pod_worker **ret,
                    husk_error *err);
void node_worker_wake(struct node_pod_worker *w);
/* Whether the daemon is stopping this worker (the pod keeps running); long waits give up then. */
bool node_worker_stopping(struct node_pod_worker *w);
void node_worker_join_and_free(struct node_pod_worker *w);
char *node_rfc3339_now(void);
/* Queues the "Started" events that wait for the status (node_container.started_event). */
void node_worker_started_events(struct node_pod_worker *w);
void node_worker_event(struct node_pod_worker *w, const struct node_container *c, const char *type,
                       const char *reason, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int node_worker_save(struct node_pod_worker *w, husk_error *err);

/* worker_sync.c: one pass of the state machine; returns the ms until it next needs to run (-1: only on an
 * event). */
int64_t node_worker_sync(struct node_pod_worker *w);

/* worker_start.c: starts one container (image, config, create, start); the state is updated either way. */
void node_worker_start_container(struct node_pod_worker *w, struct node_container *c);
/* Before the last init container starts: the app containers that can be are created and made ready to
 * exec (runtime_container_prepare), so that each starts at once when the init containers are done. */
void node_worker_prepare_apps(struct node_pod_worker *w);
/* Lets go of what c was made ready with (its config's text and image). */
void node_worker_forget_prepared(struct node_container *c);
/* Reads back the runtime's record of a container that exited. */
void node_worker_refresh_container(struct node_pod_worker *w, struct node_container *c, bool *ret_exited);

/* worker_stop.c: stops the containers within grace_seconds (preStop, the stop signal, SIGKILL): the apps
 * together, then the sidecars in reverse order; teardown releases the sandbox (below), unmounts the volumes
 * and puts the pod's dir and logs in the node's trash. */
void node_worker_stop_containers(struct node_pod_worker *w, int64_t grace_seconds);
void node_worker_teardown(struct node_pod_worker *w);
/* A pod that is done (Succeeded, Failed, evicted) keeps its status, logs and volumes until it is deleted,
 * not its sandbox: its network's addresses, its supervisor and cgroups go, as the kubelet stops a terminal
 * pod's sandbox (PodReadyToStartContainers turns False). */
void node_worker_release_sandbox(struct node_pod_worker *w);
/* Removes a tree without following symlinks or crossing into mounts (worker_stop.c). */
void node_worker_remove_tree(const char *path);

/* worker_probe.c: probes and lifecycle hooks */
void node_worker_probes_reset(struct node_container *c);
/* Runs the probes that are due on running containers; returns ms until the next one (-1: none). */
int64_t node_worker_run_probes(struct node_pod_worker *w);
/* Runs postStart after a start; false when it failed and the container is being killed. */
bool node_worker_post_start(struct node_pod_worker *w, struct node_container *c);
/* Runs preStop before a stop, within the deadline (monotonic ms). */
void node_worker_pre_stop(struct node_pod_worker *w, struct node_container *c, int64_t deadline_ms);

/* The downward API's facts and the API lookup for this worker's pod. */
struct node_pod_facts node_worker_facts(struct node_pod_worker *w);

/* worker_network.c: attaches the new sandbox to the pod network (and gives /etc/hosts the pod's IP);
 * detaches it before the sandbox is removed; on resume, reads back the IPs. */
int node_worker_attach_network(struct node_pod_worker *w, husk_error *err);
void node_worker_detach_network(struct node_pod_worker *w);
void node_worker_resume_network(struct node_pod_worker *w);
/* The pod should be on the network and is not (a crash while attaching it, or a failed attach). */
bool node_worker_network_missing(const struct node_pod_worker *w);
/* The pod's IP for status.podIP, /etc/hosts and the downward API: the first network IP, the node's for
 * hostNetwork, else NULL. */
const char *node_worker_pod_ip(const struct node_pod_worker *w);

/* worker_evict.c: an eviction the agent asked for: the pod fails with reason Evicted, its containers are
 * stopped within the eviction's grace period and its emptyDirs emptied; true when it happened. */
bool node_worker_evict_if_requested(struct node_pod_worker *w);
/* Whether the data dir and the log dir have room for a new sandbox; false (with a Warning event and
 * w->admit_message naming the full filesystem) when either is full. */
bool node_worker_disk_admits(struct node_pod_worker *w);

/* pod_status.c */
json_t *node_worker_status(struct node_pod_worker *w);

#endif
