/* Following the store's pods for this node (the kubelet's pod config from the API source) and keeping
 * the mirror pods of static pods (pkg/kubelet/pod/mirror_client.go). */
#include "api/kubelet_internal.h"

#include "api/resource.h"
#include "base/log.h"
#include "objects/pod.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The parts of a pod the agent acts on; a status write does not change them. */
static json_t *desired_part(const json_t *pod)
{
    json_t *meta = objects_get_object(pod, "metadata");
    return json_pack("{s:O?,s:O?,s:O?,s:O?}", "spec", objects_get_object(pod, "spec"), "labels",
                     objects_get_object(meta, "labels"), "annotations",
                     objects_get_object(meta, "annotations"), "deletionTimestamp",
                     json_object_get(meta, "deletionTimestamp"));
}

static bool changed_since_sync(struct api_kubelet *k, const json_t *pod)
{
    json_t *part = desired_part(pod);
    pthread_mutex_lock(&k->lock);
    bool changed = !json_equal(part, json_object_get(k->synced, api_kubelet_uid(pod)));
    if (changed)
        json_object_set(k->synced, api_kubelet_uid(pod), part);
    pthread_mutex_unlock(&k->lock);
    json_decref(part);
    return changed;
}

/* husk is a one-node cluster: an unscheduled pod is bound here, as the scheduler would. The binding is
 * unsynced like the node's statuses: a crash that loses it leaves the pod unbound, to be bound again. Returns
 * whether the pod is bound. */
static bool bind_pod(struct api_kubelet *k, json_t *pod)
{
    struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
    json_object_set_new(objects_pod_spec(pod), "nodeName", json_string(k->node_name));
    husk_error err = {0};
    if (store_update_unsynced(k->store, &key, pod, store_object_rv(pod), &err) < 0) {
        if (err.code != ESTALE)
            log_warn("binding pod %s/%s: %s", key.ns, key.name, err.message);
        return false;
    }
    api_kubelet_own_write(k, store_object_rv(pod));
    const struct node_agent_hooks *h = &api_kubelet_hooks_template;
    char message[1024];
    snprintf(message, sizeof message, "Successfully assigned %s/%s to %s", key.ns, key.name, k->node_name);
    h->pod_event(k, pod, "Normal", "Scheduled", NULL, message);
    return true;
}

/* The kubelet's minimum grace period for a container: what a pod's containers get when it is force deleted.
 */
#define FORCE_DELETE_GRACE_SECONDS 2

static int64_t grace_of(const json_t *pod)
{
    int64_t grace = -1;
    if (!objects_get_int(objects_get_object(pod, "metadata"), "deletionGracePeriodSeconds", &grace))
        objects_get_int(objects_pod_spec(pod), "terminationGracePeriodSeconds", &grace);
    return grace;
}

static bool agent_runs(struct api_kubelet *k, const char *uid)
{
    json_t *pods = node_agent_pods(k->agent);
    size_t i;
    json_t *p;
    bool found = false;
    json_array_foreach(pods, i, p)
    {
        found = found || strcmp(api_kubelet_uid(p) ? api_kubelet_uid(p) : "", uid) == 0;
    }
    json_decref(pods);
    return found;
}

static void handle_mirror_deleted(struct api_kubelet *k, json_t *pod)
{
    /* A mirror cannot stop its static pod; marked or removed, it is made again. */
    if (json_object_get(objects_get_object(pod, "metadata"), "deletionTimestamp") != NULL) {
        struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
        husk_error err = {0};
        store_delete(k->store, &key, 0, NULL, &err);
    }
    json_t *list = node_static_pods_list(k->statics);
    api_kubelet_mirrors_changed(k, list);
    json_decref(list);
}

#define RETRY_SECONDS 10

static int64_t monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static void handle_pod(struct api_kubelet *k, const char *type, json_t *pod)
{
    const char *node = objects_get_string(objects_pod_spec(pod), "nodeName");
    const char *uid = api_kubelet_uid(pod);
    if (uid == NULL)
        return;
    if (api_kubelet_annotation(pod, MIRROR_ANNOTATION) != NULL) {
        if (strcmp(type, "DELETED") == 0 ||
            json_object_get(objects_get_object(pod, "metadata"), "deletionTimestamp") != NULL)
            handle_mirror_deleted(k, pod);
        return;
    }
    if (strcmp(type, "DELETED") == 0) {
        /* Gone without being marked first: deleted with gracePeriodSeconds=0 (a force deletion), whose
         * containers get only the kubelet's minimum grace, not the pod's terminationGracePeriodSeconds. */
        bool marked = json_object_get(objects_get_object(pod, "metadata"), "deletionTimestamp") != NULL;
        node_agent_kill_pod(k->agent, uid, marked ? grace_of(pod) : FORCE_DELETE_GRACE_SECONDS);
        return;
    }
    if (node == NULL || node[0] == '\0') {
        /* Bound, it is this node's to run at once, without waiting to see the binding come back. */
        if (!api_kubelet_schedulable(k, pod) || !bind_pod(k, pod))
            return;
        node = k->node_name;
    }
    if (strcmp(node, k->node_name) != 0 || !changed_since_sync(k, pod))
        return;
    husk_error err = {0};
    if (json_object_get(objects_get_object(pod, "metadata"), "deletionTimestamp") != NULL) {
        if (agent_runs(k, uid)) {
            node_agent_kill_pod(k->agent, uid, grace_of(pod));
        } else {
            struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
            if (store_delete(k->store, &key, 0, NULL, &err) == 0)
                api_server_changed(k->server);
        }
        return;
    }
    if (node_agent_sync_pod(k->agent, pod, &err) < 0) {
        /* Out of a resource for now (threads, inotify instances, memory): try again in a while, rather
         * than leave the pod Pending for good. */
        log_warn("pod %s/%s: %s; retrying in %d s", objects_meta_namespace(pod), objects_meta_name(pod),
                 err.message, RETRY_SECONDS);
        api_kubelet_forget(k, uid);
        k->retry_at = monotonic_seconds() + RETRY_SECONDS;
    }
}

/* After pod's API object (a restored pod, a mirror) was created as written: a status the worker reported
 * meanwhile found no object to write to, so the latest one is written now if it differs. */
static void write_latest_status(struct api_kubelet *k, const json_t *pod, const json_t *written)
{
    pthread_mutex_lock(&k->lock);
    json_t *latest = json_deep_copy(json_object_get(k->statuses, api_kubelet_uid(pod)));
    pthread_mutex_unlock(&k->lock);
    if (latest != NULL && !json_equal(latest, json_object_get(written, "status")))
        api_kubelet_hooks_template.pod_status(k, pod, latest);
    json_decref(latest);
}

/* A pod the node runs, written back into a store that was damaged and recreated (store_recover.c): the
 * node's record is the last acknowledged version of it, with its uid, so the worker keeps running it. */
static void restore_pod(struct api_kubelet *k, json_t *pod)
{
    json_t *copy = json_deep_copy(pod);
    json_object_del(objects_get_object(copy, "metadata"), "resourceVersion");
    pthread_mutex_lock(&k->lock);
    json_t *status = json_object_get(k->statuses, api_kubelet_uid(pod));
    if (status != NULL)
        json_object_set(copy, "status", status);
    pthread_mutex_unlock(&k->lock);
    struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
    husk_error err = {0};
    if (store_create(k->store, &key, copy, &err) < 0) {
        log_warn("restoring pod %s/%s into the recreated store: %s", key.ns, key.name, err.message);
        json_decref(copy);
        return;
    }
    log_warn("pod %s/%s restored into the recreated store from the node's record", key.ns, key.name);
    api_server_changed(k->server);
    write_latest_status(k, pod, copy);
    json_decref(copy);
}

/* Everything at once, at start and when the change log no longer reaches back: runs what is bound here,
 * stops what the agent runs but the API no longer has (deleted while the daemon was down). */
static int64_t reconcile_all(struct api_kubelet *k)
{
    json_t *items = NULL;
    int64_t rv = 0;
    husk_error err = {0};
    if (store_list(k->store, "pods", NULL, &items, &rv, &err) < 0) {
        log_warn("listing pods: %s", err.message);
        return store_current_rv(k->store);
    }
    pthread_mutex_lock(&k->lock);
    json_object_clear(k->synced);
    pthread_mutex_unlock(&k->lock);
    json_t *known = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(items, i, pod)
    {
        json_object_set(known, api_kubelet_uid(pod) ? api_kubelet_uid(pod) : "", json_true());
        handle_pod(k, "ADDED", pod);
    }
    json_t *running = node_agent_pods(k->agent);
    bool restore = k->restore_pods;
    k->restore_pods = false;
    json_array_foreach(running, i, pod)
    {
        if (restore && !api_kubelet_is_static(pod) && json_object_get(known, api_kubelet_uid(pod)) == NULL) {
            restore_pod(k, pod);
        } else if (!api_kubelet_is_static(pod) && json_object_get(known, api_kubelet_uid(pod)) == NULL) {
            log_info("pod %s/%s was deleted while husk was down; stopping it", objects_meta_namespace(pod),
                     objects_meta_name(pod));
            node_agent_kill_pod(k->agent, api_kubelet_uid(pod), grace_of(pod));
        }
    }
    json_decref(running);
    node_agent_remove_orphans(k->agent, known);
    json_decref(known);
    json_decref(items);
    return rv;
}

static bool stopping(struct api_kubelet *k)
{
    pthread_mutex_lock(&k->lock);
    bool stop = k->stop;
    pthread_mutex_unlock(&k->lock);
    return stop;
}

void *api_kubelet_main(void *arg)
{
    struct api_kubelet *k = arg;
    int64_t rv = reconcile_all(k);
    json_t *statics = node_static_pods_list(k->statics);
    api_kubelet_mirrors_changed(k, statics);
    json_decref(statics);
    uint64_t seen = 0; /* 0: the first pass reads the changes since the reconcile at once */
    while (!stopping(k)) {
        api_server_wait_change_since(k->server, seen, 1000);
        seen = api_server_change_count(k->server);
        json_t *events = NULL;
        husk_error err = {0};
        /* As text: most pod changes are the node's own statuses, which need no parsing. */
        if (store_changes(k->store, "pods", NULL, rv, 500, STORE_CHANGES_TEXT, &events, &err) < 0) {
            if (err.code == ERANGE)
                rv = reconcile_all(k);
            continue;
        }
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev)
        {
            int64_t event_rv = json_integer_value(json_object_get(ev, "rv"));
            if (event_rv > rv)
                rv = event_rv;
            if (api_kubelet_is_own_write(k, event_rv))
                continue;
            const char *text = objects_get_string(ev, "text");
            json_t *pod = text != NULL ? json_loads(text, 0, NULL) : NULL;
            if (pod != NULL)
                handle_pod(k, objects_get_string(ev, "type") ? objects_get_string(ev, "type") : "", pod);
            json_decref(pod);
        }
        json_decref(events);
        api_kubelet_retry_unschedulable(k);
        if (k->retry_at != 0 && monotonic_seconds() >= k->retry_at) {
            k->retry_at = 0;
            rv = reconcile_all(k);
        }
    }
    return NULL;
}

static json_t *mirror_of(struct api_kubelet *k, const json_t *pod)
{
    json_t *mirror = json_deep_copy(pod);
    json_t *meta = objects_get_object(mirror, "metadata");
    json_object_del(meta, "uid");
    json_object_del(meta, "resourceVersion");
    json_t *annotations = objects_get_object(meta, "annotations");
    json_object_set_new(annotations, MIRROR_ANNOTATION, json_string(api_kubelet_uid(pod)));
    json_t *node = NULL;
    husk_error err = {0};
    struct store_key node_key = {"nodes", NULL, k->node_name};
    if (store_get(k->store, &node_key, &node, &err) == 0)
        json_object_set_new(meta, "ownerReferences",
                            json_pack("[{s:s,s:s,s:s,s:s?,s:b}]", "apiVersion", "v1", "kind", "Node", "name",
                                      k->node_name, "uid", api_kubelet_uid(node), "controller", 1));
    json_decref(node);
    pthread_mutex_lock(&k->lock);
    json_t *status = json_object_get(k->statuses, api_kubelet_uid(pod));
    if (status != NULL)
        json_object_set(mirror, "status", status);
    pthread_mutex_unlock(&k->lock);
    return mirror;
}

static void ensure_mirror(struct api_kubelet *k, const json_t *pod)
{
    struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
    json_t *existing = NULL;
    husk_error err = {0};
    if (store_get(k->store, &key, &existing, &err) == 0) {
        const char *hash = api_kubelet_annotation(existing, MIRROR_ANNOTATION);
        bool current = hash != NULL && strcmp(hash, api_kubelet_uid(pod)) == 0 &&
                       json_object_get(objects_get_object(existing, "metadata"), "deletionTimestamp") == NULL;
        if (!current)
            store_delete(k->store, &key, 0, NULL, &err);
        json_decref(existing);
        if (current)
            return;
    }
    json_t *mirror = mirror_of(k, pod);
    char uid[40];
    api_random_uid(uid, sizeof uid);
    json_object_set_new(objects_get_object(mirror, "metadata"), "uid", json_string(uid));
    char now[32];
    api_timestamp(now, sizeof now, 0);
    json_object_set_new(objects_get_object(mirror, "metadata"), "creationTimestamp", json_string(now));
    if (store_create(k->store, &key, mirror, &err) == 0)
        write_latest_status(k, pod, mirror);
    else if (err.code != EEXIST)
        log_warn("mirror pod %s/%s: %s", key.ns, key.name, err.message);
    json_decref(mirror);
}

void api_kubelet_mirrors_changed(void *data, const json_t *static_pods)
{
    struct api_kubelet *k = data;
    json_t *wanted = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(static_pods, i, pod)
    {
        char name[1024];
        snprintf(name, sizeof name, "%s/%s", objects_meta_namespace(pod), objects_meta_name(pod));
        json_object_set(wanted, name, json_true());
        ensure_mirror(k, pod);
    }
    json_t *items = NULL;
    int64_t rv;
    husk_error err = {0};
    if (store_list(k->store, "pods", NULL, &items, &rv, &err) == 0) {
        json_array_foreach(items, i, pod)
        {
            char name[1024];
            snprintf(name, sizeof name, "%s/%s", objects_meta_namespace(pod), objects_meta_name(pod));
            const char *node = objects_get_string(objects_pod_spec(pod), "nodeName");
            if (api_kubelet_annotation(pod, MIRROR_ANNOTATION) == NULL || node == NULL ||
                strcmp(node, k->node_name) != 0 || json_object_get(wanted, name) != NULL)
                continue;
            struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
            store_delete(k->store, &key, 0, NULL, &err);
        }
        json_decref(items);
    }
    json_decref(wanted);
    api_server_changed(k->server);
}
