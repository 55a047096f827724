/* Typed accessors on a JSON Pod that the node agent, runtime and API server share: containers, QoS class,
 * restart policy, and effective resource values. */
#ifndef HUSK_OBJECTS_POD_H
#define HUSK_OBJECTS_POD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Field accessors that treat JSON null and a wrong type as absent. */
const char *objects_get_string(const json_t *object, const char *key);
json_t *objects_get_object(const json_t *object, const char *key);
json_t *objects_get_array(const json_t *object, const char *key);
/* *ret untouched and false returned when absent. */
bool objects_get_int(const json_t *object, const char *key, int64_t *ret);
bool objects_get_bool(const json_t *object, const char *key, bool *ret);

const char *objects_meta_name(const json_t *object);
const char *objects_meta_namespace(const json_t *object); /* "" when unset */

json_t *objects_pod_spec(const json_t *pod);
json_t *objects_pod_containers(const json_t *pod);      /* spec.containers, or NULL */
json_t *objects_pod_init_containers(const json_t *pod); /* spec.initContainers, or NULL */

/* The named container's entry of status.containerStatuses or initContainerStatuses, or NULL; and whether
 * that entry says it is running. */
json_t *objects_pod_container_status(const json_t *pod, const char *container);
bool objects_pod_container_running(const json_t *pod, const char *container);

/* An init container with restartPolicy: Always (a native sidecar, Kubernetes 1.29+). */
bool objects_container_is_sidecar(const json_t *container);

/* The container's request or limit of resource ("cpu", "memory") in milli-units; false when unset or not a
 * valid quantity. */
bool objects_container_resource_milli(const json_t *container, const char *kind, const char *resource,
                                      int64_t *ret);

/* "Guaranteed", "Burstable" or "BestEffort", computed as the kubelet does (pkg/apis/core/v1/helper/qos). */
const char *objects_pod_qos_class(const json_t *pod);

#endif
