/* Private to the api layer's kubelet link (kubelet.c: the agent's hooks; kubelet_sync.c: following the
 * store's pods and the mirror pods). */
#ifndef HUSK_API_KUBELET_INTERNAL_H
#define HUSK_API_KUBELET_INTERNAL_H

#include "api/kubelet.h"
#include "image/image.h"
#include "node/agent.h"
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
    struct node_static_pods *statics;
    pthread_t thread;
    pthread_mutex_t lock; /* guards the maps below */
    json_t *synced;       /* uid -> the pod as last handed to the agent */
    json_t *events;       /* "uid/reason/field/message" -> event name, for counting repeats */
    json_t *statuses;     /* uid -> last status, for mirrors created after it */
    bool stop;
};

const char *api_kubelet_annotation(const json_t *pod, const char *key);
const char *api_kubelet_uid(const json_t *pod);
bool api_kubelet_is_static(const json_t *pod);
void api_kubelet_forget(struct api_kubelet *k, const char *uid);

/* kubelet.c: the hooks the node agent calls. */
extern const struct node_agent_hooks api_kubelet_hooks_template;

/* kubelet_sync.c */
void *api_kubelet_main(void *arg);
void api_kubelet_mirrors_changed(void *data, const json_t *static_pods);

#endif
