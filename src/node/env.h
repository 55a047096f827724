/* A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables): the
 * image's variables, then envFrom, then env with valueFrom (fieldRef, resourceFieldRef, configMapKeyRef,
 * secretKeyRef) and $(VAR) references expanded; and the $(VAR) expansion of command and args. */
#ifndef HUSK_NODE_ENV_H
#define HUSK_NODE_ENV_H

#include "base/arena.h"
#include "base/error.h"

#include <jansson.h>
#include <stdint.h>

/* Facts about the pod and node that the downward API exposes. */
struct node_pod_facts {
    const char *node_name;
    const char *host_ip;
    const char *pod_ip;
    int64_t node_allocatable_milli_cpu; /* what limits.cpu means when the container sets none */
    int64_t node_allocatable_memory;
    /* Finds a ConfigMap or Secret ("configmaps"/"secrets") of the pod's namespace; *ret is a new reference,
     * NULL when it does not exist. NULL lookup: the node has no API objects (static pods). */
    int (*lookup)(void *data, const char *resource, const char *namespace_, const char *name, json_t **ret,
                  husk_error *err);
    void *lookup_data;
};

/* Fills *ret_env with a NULL-terminated "K=V" array. A missing object or key that is not optional is an
 * error worded as the kubelet words it; the caller reports it as CreateContainerConfigError. */
int node_container_env(const json_t *pod, const json_t *container, char *const *image_env,
                       const struct node_pod_facts *facts, struct husk_arena *arena, const char ***ret_env,
                       husk_error *err);

/* The downward API's values (also for downwardAPI volumes): a fieldRef's field of the pod, and a
 * resourceFieldRef's limit or request of container (NULL: the ref's containerName) in the divisor's
 * units. Strings go to the arena. */
int node_field_ref_value(const json_t *pod, const json_t *ref, const struct node_pod_facts *facts,
                         struct husk_arena *arena, const char **ret, husk_error *err);
int node_resource_ref_value(const json_t *pod, const json_t *container, const json_t *ref,
                            const struct node_pod_facts *facts, struct husk_arena *arena, const char **ret,
                            husk_error *err);

/* A Secret's data value (base64) decoded into the arena; NULL when it is not base64. */
const char *node_secret_value(const char *b64, struct husk_arena *arena);

/* Expands $(NAME) from env (a NULL-terminated "K=V" array); $$ is a literal $, unknown names are left as
 * written (k8s.io/kubernetes third_party/forked/golang/expansion). */
char *node_expand(const char *text, const char *const *env, struct husk_arena *arena);

#endif
