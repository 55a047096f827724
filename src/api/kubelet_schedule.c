/* The scheduler's say in binding (husk binds unscheduled pods to its one node): a node that is cordoned
 * or carries a NoSchedule/NoExecute taint the pod does not tolerate takes no new pods, as the scheduler's
 * NodeUnschedulable and TaintToleration filters decide. Such a pod stays Pending with the scheduler's
 * PodScheduled=False condition and a FailedScheduling event, and is looked at again when the Node changes. */
#include "api/kubelet_internal.h"

#include "api/resource.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>

#define UNSCHEDULABLE_TAINT "node.kubernetes.io/unschedulable"

/* v1helper.TolerationsTolerateTaint. */
static bool tolerates(const json_t *pod, const json_t *taint)
{
    const char *key = objects_get_string(taint, "key"), *value = objects_get_string(taint, "value");
    const char *effect = objects_get_string(taint, "effect");
    size_t i;
    json_t *t;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "tolerations"), i, t)
    {
        const char *tk = objects_get_string(t, "key"), *op = objects_get_string(t, "operator");
        const char *tv = objects_get_string(t, "value"), *te = objects_get_string(t, "effect");
        bool exists = op != NULL && strcmp(op, "Exists") == 0;
        if (te != NULL && te[0] != '\0' && (effect == NULL || strcmp(te, effect) != 0))
            continue;
        if ((tk == NULL || tk[0] == '\0') ? !exists : (key == NULL || strcmp(tk, key) != 0))
            continue;
        if (exists || strcmp(tv ? tv : "", value ? value : "") == 0)
            return true;
    }
    return false;
}

/* Why the node refuses the pod (the scheduler's FitError message), or false when it takes it. */
static bool refused(const json_t *node, const json_t *pod, char *message, size_t size)
{
    const json_t *spec = objects_get_object(node, "spec");
    static const char *const preemption =
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    size_t i;
    json_t *taint;
    if (json_is_true(json_object_get(spec, "unschedulable"))) {
        json_t *cordon = json_pack("{s:s, s:s}", "key", UNSCHEDULABLE_TAINT, "effect", "NoSchedule");
        bool ok = tolerates(pod, cordon);
        json_decref(cordon);
        if (!ok) {
            snprintf(message, size, "0/1 nodes are available: 1 node(s) were unschedulable. %s", preemption);
            return true;
        }
    }
    json_array_foreach(objects_get_array(spec, "taints"), i, taint)
    {
        const char *effect = objects_get_string(taint, "effect");
        if (effect == NULL || strcmp(effect, "PreferNoSchedule") == 0 || tolerates(pod, taint))
            continue;
        snprintf(message, size, "0/1 nodes are available: 1 node(s) had untolerated taint {%s: %s}. %s",
                 objects_get_string(taint, "key") ?: "", objects_get_string(taint, "value") ?: "",
                 preemption);
        return true;
    }
    return false;
}

static bool has_condition(const json_t *pod, const char *message)
{
    size_t i;
    json_t *c;
    json_array_foreach(objects_get_array(objects_get_object(pod, "status"), "conditions"), i, c)
    {
        const char *type = objects_get_string(c, "type"), *m = objects_get_string(c, "message");
        if (type != NULL && strcmp(type, "PodScheduled") == 0 && m != NULL && strcmp(m, message) == 0)
            return true;
    }
    return false;
}

static void mark_unschedulable(struct api_kubelet *k, json_t *pod, const char *message)
{
    if (has_condition(pod, message))
        return;
    char now[32];
    api_timestamp(now, sizeof now, 0);
    json_t *status = objects_get_object(pod, "status");
    if (status == NULL) {
        status = json_object();
        json_object_set_new(pod, "status", status);
    }
    json_object_set_new(status, "phase", json_string("Pending"));
    json_object_set_new(status, "conditions",
                        json_pack("[{s:s, s:s, s:n, s:s, s:s, s:s}]", "type", "PodScheduled", "status",
                                  "False", "lastProbeTime", "lastTransitionTime", now, "reason",
                                  "Unschedulable", "message", message));
    struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
    husk_error err = {0};
    if (store_update(k->store, &key, pod, store_object_rv(pod), &err) == 0) {
        api_server_changed(k->server);
        api_kubelet_hooks_template.pod_event(k, pod, "Warning", "FailedScheduling", NULL, message);
    }
}

bool api_kubelet_schedulable(struct api_kubelet *k, json_t *pod)
{
    struct store_key key = {"nodes", "", k->node_name};
    json_t *node = NULL;
    husk_error err = {0};
    if (store_get(k->store, &key, &node, &err) < 0)
        return true;
    char message[1024];
    bool refuse = refused(node, pod, message, sizeof message);
    json_decref(node);
    if (!refuse)
        return true;
    mark_unschedulable(k, pod, message);
    pthread_mutex_lock(&k->lock);
    k->parked = true;
    pthread_mutex_unlock(&k->lock);
    return false;
}

void api_kubelet_retry_unschedulable(struct api_kubelet *k)
{
    pthread_mutex_lock(&k->lock);
    bool parked = k->parked;
    k->parked = false;
    pthread_mutex_unlock(&k->lock);
    json_t *items = NULL, *pod;
    int64_t rv = 0;
    husk_error err = {0};
    if (!parked || store_list(k->store, "pods", NULL, &items, &rv, &err) < 0)
        return;
    size_t i;
    json_array_foreach(items, i, pod)
    {
        const char *node = objects_get_string(objects_pod_spec(pod), "nodeName");
        if (node != NULL && node[0] != '\0')
            continue;
        /* Still refused: parked again (its condition is current, so nothing is written). */
        if (api_kubelet_schedulable(k, pod)) {
            /* Taken now: a write of the pod brings it back through the change feed, to be bound. */
            json_object_del(objects_get_object(pod, "status"), "conditions");
            struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
            if (store_update(k->store, &key, pod, store_object_rv(pod), &err) == 0)
                api_server_changed(k->server);
        }
    }
    json_decref(items);
}
