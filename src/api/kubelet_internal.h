/* Private to the api layer's kubelet link (kubelet.c: the agent's hooks; kubelet_sync.c: following the
 * store's pods and the mirror pods). */
#ifndef HUSK_API_KUBELET_INTERNAL_H
#define HUSK_API_KUBELET_INTERNAL_H

#include "api/kubelet.h"
#include "image/image.h"
#include "node/agent.h"
#include "node/eviction_manager.h"
#include "node/static_pods.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#define MIRROR_ANNOTATION "kubernetes.io/config.mirror"
#define HASH_ANNOTATION   "kubernetes.io/config.hash"
#define SOURCE_ANNOTATION "kubernetes.io/config.source"

struct api_kubelet {
    store *store;
    api_server *server;
    char *node_name, *host_ip;
    struct image_store *images;
    struct node_agent *agent;
    struct node_cni *cni;
    struct node_static_pods *statics;
    struct node_eviction_manager *eviction;
    bool parked; /* under lock: an unscheduled pod waits for the Node to take it (kubelet_schedule.c) */
    pthread_t thread;
    pthread_mutex_t lock; /* guards the maps below */
    json_t *synced;       /* uid -> the pod as last handed to the agent */
    json_t *events;       /* "uid/reason/field/message" -> event name, for counting repeats */
    json_t *statuses;     /* uid -> last status, for mirrors created after it */
    bool stop;
    bool restore_pods; /* the first reconcile puts the pods the node runs back into a recreated store */
    int64_t retry_at;  /* CLOCK_MONOTONIC seconds: when to hand pods the agent refused over again; 0: none */
    /* The resourceVersions of the pod writes it made lately (statuses, bindings), which the pod feed need
     * not parse again: nothing but what it wrote changed in them. Under lock. */
    int64_t own_rvs[64];
    unsigned own_next;
    /* The pods a status was last written into, as written (api_kubelet_write_status). Under lock. */
    json_t *written[16];
    unsigned written_next;
    /* kubelet_writer.c: the queues of the node's writes, oldest first (statuses and deletes; events), and
     * their thread */
    pthread_mutex_t write_lock;
    pthread_cond_t write_cond;
    struct api_kubelet_queue {
        struct api_kubelet_write *head, *tail;
    } writes[2];
    pthread_t writer;
    bool write_ready, write_stop;
};

const char *api_kubelet_annotation(const json_t *pod, const char *key);
const char *api_kubelet_uid(const json_t *pod);
bool api_kubelet_is_static(const json_t *pod);
void api_kubelet_forget(struct api_kubelet *k, const char *uid);
/* Notes that the pod write at version rv was the kubelet link's own (see own_rvs); whether rv is one. */
void api_kubelet_own_write(struct api_kubelet *k, int64_t rv);
bool api_kubelet_is_own_write(struct api_kubelet *k, int64_t rv);

/* kubelet.c: the hooks the node agent calls, and the writes they queue. */
extern const struct node_agent_hooks api_kubelet_hooks_template;
void api_kubelet_write_status(struct api_kubelet *k, const json_t *pod, const json_t *status);
/* Drops the pods kept by api_kubelet_write_status. */
void api_kubelet_forget_written(struct api_kubelet *k);
void api_kubelet_write_event(struct api_kubelet *k, const json_t *pod, const char *type, const char *reason,
                             const char *field_path, const char *message, const char *now);
void api_kubelet_write_gone(struct api_kubelet *k, const json_t *pod);

/* kubelet_writer.c: the queues of those writes and the thread that makes them, statuses before events (see
 * there). Stopping writes what is queued first. */
int api_kubelet_writer_start(struct api_kubelet *k, husk_error *err);
void api_kubelet_writer_stop(struct api_kubelet *k);
void api_kubelet_queue_status(struct api_kubelet *k, const json_t *pod, const json_t *status);
void api_kubelet_queue_event(struct api_kubelet *k, const json_t *pod, const char *type, const char *reason,
                             const char *field_path, const char *message);
void api_kubelet_queue_gone(struct api_kubelet *k, const json_t *pod);

/* kubelet_schedule.c: whether the Node takes the unbound pod (else it is marked Unschedulable); the parked
 * pods are looked at again after a change. */
bool api_kubelet_schedulable(struct api_kubelet *k, json_t *pod);
void api_kubelet_retry_unschedulable(struct api_kubelet *k);

/* kubelet_sync.c */
void *api_kubelet_main(void *arg);
void api_kubelet_mirrors_changed(void *data, const json_t *static_pods);

#endif
