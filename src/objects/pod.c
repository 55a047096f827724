/* Accessors on JSON objects and Pods shared by the layers above; see pod.h. */
#include "objects/pod.h"
#include "objects/quantity.h"

#include <string.h>

const char *objects_get_string(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

json_t *objects_get_object(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    return json_is_object(value) ? value : NULL;
}

json_t *objects_get_array(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    return json_is_array(value) ? value : NULL;
}

bool objects_get_int(const json_t *object, const char *key, int64_t *ret)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_integer(value))
        return false;
    *ret = json_integer_value(value);
    return true;
}

bool objects_get_bool(const json_t *object, const char *key, bool *ret)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_boolean(value))
        return false;
    *ret = json_is_true(value);
    return true;
}

const char *objects_meta_name(const json_t *object)
{
    return objects_get_string(objects_get_object(object, "metadata"), "name");
}

const char *objects_meta_namespace(const json_t *object)
{
    const char *ns = objects_get_string(objects_get_object(object, "metadata"), "namespace");
    return ns != NULL ? ns : "";
}

json_t *objects_pod_spec(const json_t *pod)
{
    return objects_get_object(pod, "spec");
}

json_t *objects_pod_containers(const json_t *pod)
{
    return objects_get_array(objects_pod_spec(pod), "containers");
}

json_t *objects_pod_container_status(const json_t *pod, const char *container)
{
    const char *lists[] = {"containerStatuses", "initContainerStatuses"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *s;
        json_array_foreach(objects_get_array(objects_get_object(pod, "status"), lists[l]), i, s)
        {
            const char *n = objects_get_string(s, "name");
            if (n != NULL && strcmp(n, container) == 0)
                return s;
        }
    }
    return NULL;
}

bool objects_pod_container_running(const json_t *pod, const char *container)
{
    json_t *status = objects_pod_container_status(pod, container);
    return objects_get_object(objects_get_object(status, "state"), "running") != NULL;
}

json_t *objects_pod_init_containers(const json_t *pod)
{
    return objects_get_array(objects_pod_spec(pod), "initContainers");
}

bool objects_container_is_sidecar(const json_t *container)
{
    const char *policy = objects_get_string(container, "restartPolicy");
    return policy != NULL && strcmp(policy, "Always") == 0;
}

bool objects_container_resource_milli(const json_t *container, const char *kind, const char *resource,
                                      int64_t *ret)
{
    json_t *list = objects_get_object(objects_get_object(container, "resources"), kind);
    json_t *value = json_object_get(list, resource);
    struct objects_quantity q;
    if (value == NULL || objects_quantity_from_json(value, &q, NULL) < 0)
        return false;
    *ret = objects_quantity_milli_value(&q);
    return true;
}

/* Folds one container into the QoS tally: whether it has any request or limit, and whether cpu and memory
 * both have limits equal to their requests (requests default to limits, as the API server defaults them). */
static void qos_tally(const json_t *container, bool *any_set, bool *all_guaranteed)
{
    static const char *const compute[] = {"cpu", "memory"};
    for (size_t i = 0; i < 2; i++) {
        int64_t request = 0, limit = 0;
        bool has_request = objects_container_resource_milli(container, "requests", compute[i], &request);
        bool has_limit = objects_container_resource_milli(container, "limits", compute[i], &limit);
        if ((has_request && request != 0) || (has_limit && limit != 0))
            *any_set = true;
        if (!has_limit || limit == 0 || (has_request && request != limit))
            *all_guaranteed = false;
    }
}

const char *objects_pod_qos_class(const json_t *pod)
{
    bool any_set = false, all_guaranteed = true;
    json_t *lists[] = {objects_pod_init_containers(pod), objects_pod_containers(pod)};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *container;
        json_array_foreach(lists[l], i, container)
        {
            qos_tally(container, &any_set, &all_guaranteed);
        }
    }
    if (!any_set)
        return "BestEffort";
    return all_guaranteed ? "Guaranteed" : "Burstable";
}
