/* What the node's eviction manager and `cordon` change on this machine's Node: the MemoryPressure and
 * DiskPressure conditions (in the kubelet's words), the taints the node lifecycle controller derives
 * from them and from spec.unschedulable (TaintNodesByCondition: node.kubernetes.io/unschedulable,
 * memory-pressure, disk-pressure, all NoSchedule), and events about the Node. See node.h. */
#include "api/node.h"
#include "api/resource.h"
#include "objects/pod.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool condition_true(const json_t *node, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(objects_get_array(objects_get_object(node, "status"), "conditions"), i, c)
    {
        const char *t = objects_get_string(c, "type"), *s = objects_get_string(c, "status");
        if (t != NULL && s != NULL && strcmp(t, type) == 0)
            return strcmp(s, "True") == 0;
    }
    return false;
}

static const char *const derived_taints[] = {"node.kubernetes.io/unschedulable",
                                             "node.kubernetes.io/memory-pressure",
                                             "node.kubernetes.io/disk-pressure"};

void api_node_sync_taints(json_t *node)
{
    json_t *spec = json_object_get(node, "spec");
    if (!json_is_object(spec)) {
        spec = json_object();
        json_object_set_new(node, "spec", spec);
    }
    bool wanted[3] = {json_is_true(json_object_get(spec, "unschedulable")),
                      condition_true(node, "MemoryPressure"), condition_true(node, "DiskPressure")};
    json_t *old = json_object_get(spec, "taints"), *taints = json_array(), *t;
    size_t i;
    /* The user's taints stay as they are; the derived ones follow their causes. */
    json_array_foreach(old, i, t)
    {
        const char *key = objects_get_string(t, "key");
        size_t d = 0;
        while (d < 3 && (key == NULL || strcmp(key, derived_taints[d]) != 0))
            d++;
        if (d == 3 || wanted[d]) {
            json_array_append(taints, t);
            if (d < 3)
                wanted[d] = false;
        }
    }
    for (size_t d = 0; d < 3; d++)
        if (wanted[d])
            json_array_append_new(taints,
                                  json_pack("{s:s, s:s}", "key", derived_taints[d], "effect", "NoSchedule"));
    if (json_array_size(taints) > 0)
        json_object_set_new(spec, "taints", taints);
    else {
        json_decref(taints);
        json_object_del(spec, "taints");
    }
}

static void set_condition(json_t *node, const char *type, bool value, const char *reason, const char *message)
{
    size_t i;
    json_t *c;
    char now[32];
    api_timestamp(now, sizeof now, 0);
    json_array_foreach(objects_get_array(objects_get_object(node, "status"), "conditions"), i, c)
    {
        const char *t = objects_get_string(c, "type"), *s = objects_get_string(c, "status");
        if (t == NULL || strcmp(t, type) != 0)
            continue;
        if (s == NULL || strcmp(s, value ? "True" : "False") != 0)
            json_object_set_new(c, "lastTransitionTime", json_string(now));
        json_object_set_new(c, "status", json_string(value ? "True" : "False"));
        json_object_set_new(c, "reason", json_string(reason));
        json_object_set_new(c, "message", json_string(message));
        json_object_set_new(c, "lastHeartbeatTime", json_string(now));
    }
}

int api_node_set_pressure(store *s, const char *node_name, bool memory, bool disk, husk_error *err)
{
    struct store_key key = {"nodes", "", node_name};
    for (int attempt = 0; attempt < 5; attempt++) {
        json_t *node = NULL;
        if (store_get(s, &key, &node, err) < 0)
            return -1;
        set_condition(node, "MemoryPressure", memory,
                      memory ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                      memory ? "kubelet has insufficient memory available"
                             : "kubelet has sufficient memory available");
        set_condition(node, "DiskPressure", disk,
                      disk ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                      disk ? "kubelet has disk pressure" : "kubelet has no disk pressure");
        api_node_sync_taints(node);
        int r = store_update(s, &key, node, store_object_rv(node), err);
        json_decref(node);
        if (r == 0 || err->code != ESTALE)
            return r;
    }
    return -1;
}

int api_node_event(store *s, const char *node_name, const char *type, const char *reason, const char *message,
                   husk_error *err)
{
    struct store_key key = {"nodes", "", node_name};
    json_t *node = NULL;
    if (store_get(s, &key, &node, err) < 0)
        return -1;
    char uid[40], now[32], name[512];
    api_random_uid(uid, sizeof uid);
    api_timestamp(now, sizeof now, 0);
    snprintf(name, sizeof name, "%.200s.%.8s%.4s", node_name, uid, uid + 9);
    json_t *ev = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s},s:s,s:s,s:s,s:{s:s,s:s},s:s,s:s,s:i,s:s,s:s}",
        "apiVersion", "v1", "kind", "Event", "metadata", "name", name, "namespace", "default", "uid", uid,
        "involvedObject", "kind", "Node", "apiVersion", "v1", "name", node_name, "uid",
        objects_get_string(objects_get_object(node, "metadata"), "uid") ?: "", "reason", reason, "message",
        message, "type", type, "source", "component", "kubelet", "host", node_name, "firstTimestamp", now,
        "lastTimestamp", now, "count", 1, "reportingComponent", "kubelet", "reportingInstance", node_name);
    json_decref(node);
    struct store_key ev_key = {"events", "default", name};
    int r = store_create(s, &ev_key, ev, err);
    json_decref(ev);
    return r;
}
