/* The PodStatus a worker reports, in the shape and words of the kubelet (kubelet_pods.go
 * generateAPIPodStatus, pkg/kubelet/status/generate.go): phase, the five conditions with their transition
 * times, container statuses, startTime, qosClass, hostIP. */
#include "node/worker.h"

#include "node/phase.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>

static json_t *container_status(const struct node_pod_worker *w, const struct node_container *c,
                                bool initialized)
{
    json_t *state = json_deep_copy(c->state);
    json_t *waiting = json_object_get(state, "waiting");
    /* App containers of a pod still initializing wait on PodInitializing, whatever they showed before. */
    if (c->kind == NODE_CONTAINER_APP && !initialized && waiting != NULL && c->runs == 0)
        json_object_set_new(waiting, "reason", json_string("PodInitializing"));
    const char *image = c->image_name ? c->image_name : objects_get_string(c->spec, "image");
    json_t *s =
        json_pack("{s:s,s:o,s:O,s:b,s:i,s:s,s:s,s:b}", "name", c->name, "state", state, "lastState",
                  c->last_state, "ready", c->ready, "restartCount", c->runs > 0 ? c->runs - 1 : 0, "image",
                  image ? image : "", "imageID", c->image_id ? c->image_id : "", "started", c->started);
    if (c->runs > 0) {
        char id[512];
        snprintf(id, sizeof id, "husk://%s/%s/%d", w->uid, c->name, c->runs);
        json_object_set_new(s, "containerID", json_string(id));
    }
    return s;
}

static bool is_initialized(const struct node_pod_worker *w, char *pending, size_t size)
{
    bool done = true;
    pending[0] = '\0';
    for (size_t i = 0; i < w->count; i++) {
        const struct node_container *c = &w->containers[i];
        int64_t code = -1;
        objects_get_int(json_object_get(c->state, "terminated"), "exitCode", &code);
        bool ok = c->kind == NODE_CONTAINER_APP || (c->kind == NODE_CONTAINER_SIDECAR && c->started) ||
                  (c->kind == NODE_CONTAINER_INIT && code == 0);
        if (!ok) {
            size_t len = strlen(pending);
            snprintf(pending + len, size - len, "%s%s", done ? "" : " ", c->name);
            done = false;
        }
    }
    return done;
}

static bool all_ready(const struct node_pod_worker *w, char *unready, size_t size)
{
    bool ready = true;
    unready[0] = '\0';
    for (size_t i = 0; i < w->count; i++) {
        const struct node_container *c = &w->containers[i];
        if (c->kind == NODE_CONTAINER_INIT || c->ready)
            continue;
        size_t len = strlen(unready);
        snprintf(unready + len, size - len, "%s%s", ready ? "" : " ", c->name);
        ready = false;
    }
    return ready;
}

/* A condition, keeping the transition time of the last report while its status is unchanged. */
static json_t *condition(const struct node_pod_worker *w, const char *type, bool status, const char *reason,
                         const char *message, const char *now)
{
    const char *since = now;
    size_t i;
    json_t *old;
    json_array_foreach(w->conditions, i, old)
    {
        const char *t = objects_get_string(old, "type"), *s = objects_get_string(old, "status");
        if (t != NULL && s != NULL && strcmp(t, type) == 0 && strcmp(s, status ? "True" : "False") == 0)
            since = objects_get_string(old, "lastTransitionTime");
    }
    json_t *c = json_pack("{s:s,s:s,s:n,s:s}", "type", type, "status", status ? "True" : "False",
                          "lastProbeTime", "lastTransitionTime", since ? since : now);
    if (reason != NULL)
        json_object_set_new(c, "reason", json_string(reason));
    if (message != NULL)
        json_object_set_new(c, "message", json_string(message));
    return c;
}

static json_t *conditions(struct node_pod_worker *w, bool initialized, bool terminal, const char *now)
{
    char pending[2048], unready[2048], message[2200];
    is_initialized(w, pending, sizeof pending);
    bool ready = all_ready(w, unready, sizeof unready);
    json_t *list = json_array();
    json_array_append_new(list,
                          condition(w, "PodReadyToStartContainers", w->sandbox != NULL, NULL, NULL, now));
    snprintf(message, sizeof message, "containers with incomplete status: [%s]", pending);
    json_array_append_new(list, condition(w, "Initialized", initialized,
                                          initialized ? NULL : "ContainersNotInitialized",
                                          initialized ? NULL : message, now));
    snprintf(message, sizeof message, "containers with unready status: [%s]", unready);
    const char *reason = terminal ? "PodCompleted" : ready ? NULL : "ContainersNotReady";
    bool is_ready = ready && !terminal;
    json_array_append_new(list,
                          condition(w, "Ready", is_ready, reason, terminal || ready ? NULL : message, now));
    json_array_append_new(
        list, condition(w, "ContainersReady", is_ready, reason, terminal || ready ? NULL : message, now));
    json_array_append_new(list, condition(w, "PodScheduled", true, NULL, NULL, now));
    /* The kubelet marks the pods it evicts (KEP-3329: reason TerminationByKubelet, the eviction message). */
    if (w->terminal_reason != NULL && strcmp(w->terminal_reason, "Evicted") == 0)
        json_array_append_new(
            list, condition(w, "DisruptionTarget", true, "TerminationByKubelet", w->terminal_message, now));
    json_decref(w->conditions);
    w->conditions = json_incref(list);
    return list;
}

json_t *node_worker_status(struct node_pod_worker *w)
{
    char pending[2048];
    bool initialized = is_initialized(w, pending, sizeof pending);
    json_t *init = json_array(), *apps = json_array(), *all = json_array();
    for (size_t i = 0; i < w->count; i++) {
        json_t *s = container_status(w, &w->containers[i], initialized);
        json_array_append(all, s);
        json_array_append_new(w->containers[i].kind == NODE_CONTAINER_APP ? apps : init, s);
    }
    const char *phase = w->terminal_reason != NULL ? "Failed" : node_pod_phase(w->pod, all, w->completed);
    json_decref(all);
    bool terminal = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
    char *now = node_rfc3339_now();
    const struct node_agent_config *config = node_agent_config(w->agent);
    json_t *status = json_pack("{s:s,s:o,s:s,s:s}", "phase", phase, "conditions",
                               conditions(w, initialized, terminal, now ? now : ""), "qosClass",
                               objects_pod_qos_class(w->pod), "startTime", w->start_time);
    free(now);
    if (config->host_ip != NULL) {
        json_object_set_new(status, "hostIP", json_string(config->host_ip));
        json_object_set_new(status, "hostIPs", json_pack("[{s:s}]", "ip", config->host_ip));
    }
    const char *pod_ip = node_worker_pod_ip(w);
    if (pod_ip != NULL) {
        json_object_set_new(status, "podIP", json_string(pod_ip));
        json_t *ips = json_array();
        size_t i;
        json_t *ip;
        json_array_foreach(w->pod_ips, i, ip)
        {
            json_array_append_new(ips, json_pack("{s:O}", "ip", ip));
        }
        if (json_array_size(ips) == 0)
            json_array_append_new(ips, json_pack("{s:s}", "ip", pod_ip));
        json_object_set_new(status, "podIPs", ips);
    }
    if (json_array_size(init) > 0)
        json_object_set_new(status, "initContainerStatuses", init);
    else
        json_decref(init);
    json_object_set_new(status, "containerStatuses", apps);
    if (w->terminal_reason == NULL && w->admit_message != NULL)
        json_object_set_new(status, "message", json_string(w->admit_message));
    if (w->terminal_reason != NULL) {
        json_object_set_new(status, "reason", json_string(w->terminal_reason));
        json_object_set_new(status, "message", json_string(w->terminal_message ? w->terminal_message : ""));
    }
    return status;
}
