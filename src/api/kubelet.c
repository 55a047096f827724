/* See kubelet.h. One thread follows the store's pod changes (the watch a kubelet keeps on the API); the
 * node agent's hooks run on its pod workers' threads and write through the store, which is thread-safe. */
#include "api/kubelet_internal.h"

#include "api/node.h"
#include "api/resource.h"
#include "base/log.h"
#include "image/image.h"
#include "node/agent.h"
#include "node/static_pods.h"
#include "objects/pod.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *api_kubelet_annotation(const json_t *pod, const char *key)
{
    return objects_get_string(objects_get_object(objects_get_object(pod, "metadata"), "annotations"), key);
}

const char *api_kubelet_uid(const json_t *pod)
{
    return objects_get_string(objects_get_object(pod, "metadata"), "uid");
}

bool api_kubelet_is_static(const json_t *pod)
{
    const char *source = api_kubelet_annotation(pod, SOURCE_ANNOTATION);
    return source != NULL && strcmp(source, "file") == 0;
}

/* The first non-loopback IPv4 address: what the kubelet reports as the node's and the pods' hostIP. */
static char *host_address(void)
{
    struct ifaddrs *list = NULL, *i;
    char buf[INET_ADDRSTRLEN] = "127.0.0.1";
    if (getifaddrs(&list) == 0) {
        for (i = list; i != NULL; i = i->ifa_next) {
            if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
                continue;
            const struct in_addr *a = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
            if ((ntohl(a->s_addr) >> 24) == 127)
                continue;
            inet_ntop(AF_INET, a, buf, sizeof buf);
            break;
        }
        freeifaddrs(list);
    }
    return strdup(buf);
}

/* The pod a status was last written into, taken out of k->written; NULL if none is kept. */
static json_t *take_written(struct api_kubelet *k, const struct store_key *key)
{
    json_t *obj = NULL;
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < sizeof k->written / sizeof k->written[0] && obj == NULL; i++) {
        json_t *o = k->written[i];
        if (o != NULL && strcmp(objects_meta_name(o), key->name) == 0 &&
            strcmp(objects_meta_namespace(o), key->ns) == 0) {
            obj = o;
            k->written[i] = NULL;
        }
    }
    pthread_mutex_unlock(&k->lock);
    return obj;
}

/* Keeps obj, as written, in place of the oldest kept. */
static void keep_written(struct api_kubelet *k, json_t *obj)
{
    pthread_mutex_lock(&k->lock);
    json_t **slot = &k->written[k->written_next++ % (sizeof k->written / sizeof k->written[0])];
    json_t *old = *slot;
    *slot = obj;
    pthread_mutex_unlock(&k->lock);
    json_decref(old);
}

void api_kubelet_forget_written(struct api_kubelet *k)
{
    for (size_t i = 0; i < sizeof k->written / sizeof k->written[0]; i++) {
        json_decref(k->written[i]);
        k->written[i] = NULL;
    }
}

/* Whether obj is the API object of the node's pod: the pod itself (its uid), or for a static pod its mirror.
 */
static bool is_pods_object(const json_t *obj, const json_t *pod)
{
    const char *want = api_kubelet_is_static(pod) ? api_kubelet_uid(pod) : NULL;
    const char *have = want != NULL ? api_kubelet_annotation(obj, MIRROR_ANNOTATION) : api_kubelet_uid(obj);
    return have != NULL && strcmp(have, want != NULL ? want : api_kubelet_uid(pod)) == 0;
}

/* Writes status into the pod named like pod (for a static pod: its mirror), retrying on conflicts. A pod's
 * statuses come close together (a start writes three or four), and reading and parsing the pod each time
 * was half of a status write's instructions: the next write starts from the object as the last one wrote
 * it, and names that version, so a pod changed meanwhile (a label, a delete) fails as stale and is read
 * afresh. */
void api_kubelet_write_status(struct api_kubelet *k, const json_t *pod, const json_t *status)
{
    struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
    for (int attempt = 0; attempt < 5; attempt++) {
        json_t *obj = attempt == 0 ? take_written(k, &key) : NULL;
        if (obj != NULL && !is_pods_object(obj, pod)) {
            json_decref(obj); /* another pod of that name, since */
            obj = NULL;
        }
        husk_error err = {0};
        if (obj == NULL && store_get(k->store, &key, &obj, &err) < 0)
            return; /* gone, or a mirror not made yet */
        if (!is_pods_object(obj, pod)) {
            json_decref(obj);
            return;
        }
        json_object_set(obj, "status", (json_t *)status);
        /* Unsynced, as the kubelet's status manager does not wait either: the worker goes on at once. */
        int r = store_update_unsynced(k->store, &key, obj, store_object_rv(obj), &err);
        if (r == 0) {
            api_kubelet_own_write(k, store_object_rv(obj));
            keep_written(k, obj);
            return;
        }
        json_decref(obj);
        if (err.code != ESTALE)
            return;
    }
}

void api_kubelet_own_write(struct api_kubelet *k, int64_t rv)
{
    pthread_mutex_lock(&k->lock);
    k->own_rvs[k->own_next++ % (sizeof k->own_rvs / sizeof k->own_rvs[0])] = rv;
    pthread_mutex_unlock(&k->lock);
}

bool api_kubelet_is_own_write(struct api_kubelet *k, int64_t rv)
{
    bool own = false;
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < sizeof k->own_rvs / sizeof k->own_rvs[0] && !own; i++)
        own = rv > 0 && k->own_rvs[i] == rv;
    pthread_mutex_unlock(&k->lock);
    return own;
}

static void on_status(void *data, const json_t *pod, const json_t *status)
{
    struct api_kubelet *k = data;
    pthread_mutex_lock(&k->lock);
    json_object_set_new(k->statuses, api_kubelet_uid(pod), json_deep_copy(status));
    pthread_mutex_unlock(&k->lock);
    api_kubelet_queue_status(k, pod, status);
}

static json_t *new_event(struct api_kubelet *k, const json_t *pod, const char *type, const char *reason,
                         const char *field_path, const char *message, const char *name, const char *now)
{
    json_t *involved =
        json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", "Pod", "apiVersion", "v1", "namespace",
                  objects_meta_namespace(pod), "name", objects_meta_name(pod), "uid", api_kubelet_uid(pod));
    if (field_path != NULL)
        json_object_set_new(involved, "fieldPath", json_string(field_path));
    /* Scheduled is the scheduler's event (husk binds in its place): source default-scheduler, no host. */
    bool scheduler = strcmp(reason, "Scheduled") == 0;
    json_t *source = scheduler ? json_pack("{s:s}", "component", "default-scheduler")
                               : json_pack("{s:s,s:s}", "component", "kubelet", "host", k->node_name);
    char instance[300];
    snprintf(instance, sizeof instance, "%s%s", scheduler ? "default-scheduler-" : "", k->node_name);
    return json_pack("{s:s,s:s,s:{s:s,s:s},s:o,s:s,s:s,s:s,s:o,s:s,s:s,s:i,s:s,s:s}", "apiVersion", "v1",
                     "kind", "Event", "metadata", "name", name, "namespace", objects_meta_namespace(pod),
                     "involvedObject", involved, "reason", reason, "message", message, "type", type, "source",
                     source, "firstTimestamp", now, "lastTimestamp", now, "count", 1, "reportingComponent",
                     scheduler ? "default-scheduler" : "kubelet", "reportingInstance", instance);
}

/* An event of the pod, which happened at now; a repeat of the same one counts up, as the kubelet's event
 * recorder does. */
void api_kubelet_write_event(struct api_kubelet *k, const json_t *pod, const char *type, const char *reason,
                             const char *field_path, const char *message, const char *now)
{
    char name[512], key_text[2048];
    snprintf(key_text, sizeof key_text, "%s/%s/%s/%s", api_kubelet_uid(pod), reason,
             field_path ? field_path : "", message);
    pthread_mutex_lock(&k->lock);
    const char *known = json_string_value(json_object_get(k->events, key_text));
    if (known != NULL)
        snprintf(name, sizeof name, "%s", known);
    pthread_mutex_unlock(&k->lock);
    husk_error err = {0};
    struct store_key key = {"events", objects_meta_namespace(pod), name};
    if (known != NULL) {
        json_t *ev = NULL;
        if (store_get(k->store, &key, &ev, &err) == 0) {
            json_object_set_new(ev, "count",
                                json_integer(json_integer_value(json_object_get(ev, "count")) + 1));
            json_object_set_new(ev, "lastTimestamp", json_string(now));
            store_update_unsynced(k->store, &key, ev, 0, &err);
            json_decref(ev);
            return;
        }
    }
    char uid[40], hex[40];
    api_random_uid(uid, sizeof uid);
    size_t n = 0;
    for (const char *p = uid; *p != '\0' && n < 16; p++)
        if (*p != '-')
            hex[n++] = *p;
    hex[n] = '\0';
    /* Named as the kubelet names them: the pod's name and a unique hex suffix. */
    snprintf(name, sizeof name, "%.200s.%s", objects_meta_name(pod), hex);
    json_t *ev = new_event(k, pod, type, reason, field_path, message, name, now);
    json_object_set_new(json_object_get(ev, "metadata"), "uid", json_string(uid));
    key.name = name;
    /* Events are unsynced: a crash may lose the last ones, as the kubelet's recorder may. */
    if (store_create_unsynced(k->store, &key, ev, &err) == 0) {
        pthread_mutex_lock(&k->lock);
        json_object_set_new(k->events, key_text, json_string(name));
        pthread_mutex_unlock(&k->lock);
    }
    json_decref(ev);
}

void api_kubelet_forget(struct api_kubelet *k, const char *uid)
{
    pthread_mutex_lock(&k->lock);
    json_object_del(k->synced, uid);
    json_object_del(k->statuses, uid);
    pthread_mutex_unlock(&k->lock);
}

static void on_event(void *data, const json_t *pod, const char *type, const char *reason,
                     const char *field_path, const char *message)
{
    api_kubelet_queue_event(data, pod, type, reason, field_path, message);
}

/* The pod is stopped and cleaned up: the API object goes (the kubelet's final delete, grace 0). */
void api_kubelet_write_gone(struct api_kubelet *k, const json_t *pod)
{
    api_kubelet_forget(k, api_kubelet_uid(pod));
    if (api_kubelet_is_static(pod))
        return;
    struct store_key key = {"pods", objects_meta_namespace(pod), objects_meta_name(pod)};
    json_t *obj = NULL;
    husk_error err = {0};
    if (store_get(k->store, &key, &obj, &err) == 0 && api_kubelet_uid(obj) &&
        strcmp(api_kubelet_uid(obj), api_kubelet_uid(pod)) == 0 &&
        store_delete(k->store, &key, store_object_rv(obj), NULL, &err) == 0)
        api_server_changed(k->server);
    json_decref(obj);
}

static void on_gone(void *data, const json_t *pod, const json_t *status)
{
    (void)status;
    api_kubelet_queue_gone(data, pod);
}

static int on_lookup(void *data, const char *resource, const char *ns, const char *name, json_t **ret,
                     husk_error *err)
{
    struct api_kubelet *k = data;
    struct store_key key = {resource, ns, name};
    *ret = NULL;
    if (store_get(k->store, &key, ret, err) < 0) {
        *ret = NULL;
        return err->code == ENOENT ? 0 : -1;
    }
    return 0;
}

const struct node_agent_hooks api_kubelet_hooks_template = {
    .pod_status = on_status,
    .pod_event = on_event,
    .pod_gone = on_gone,
    .lookup = on_lookup,
};

/* The eviction manager's node conditions and events, on this node's Node. */
static void on_node_conditions(void *data, bool memory_pressure, bool disk_pressure)
{
    struct api_kubelet *k = data;
    husk_error err = {0};
    if (api_node_set_pressure(k->store, k->node_name, memory_pressure, disk_pressure, &err) < 0)
        log_warn("kubelet: reporting node pressure: %s", err.message);
    api_server_changed(k->server);
}

static void on_node_event(void *data, const char *type, const char *reason, const char *message)
{
    struct api_kubelet *k = data;
    husk_error err = {0};
    if (api_node_event(k->store, k->node_name, type, reason, message, &err) < 0)
        log_warn("kubelet: node event %s: %s", reason, err.message);
    api_server_changed(k->server);
}

/* A daemon killed in a pull or an unpack leaves its temp files; they were never used (see store.h). */
static void sweep_image_temp(struct image_store *images)
{
    size_t removed = 0;
    husk_error err = {0};
    if (image_store_sweep_temp(images, &removed, &err) < 0)
        log_warn("kubelet: removing what interrupted pulls left: %s", err.message);
    else if (removed > 0)
        log_info("kubelet: removed %zu partial downloads and unpacks that an interrupted pull left", removed);
}

static int start_agent(struct api_kubelet *k, const struct api_kubelet_config *c, husk_error *err)
{
    if (image_store_open(c->data_dir, &k->images, err) < 0 ||
        (c->cni != NULL && node_cni_open(c->cni, &k->cni, err) < 0))
        return -1;
    sweep_image_temp(k->images);
    struct node_agent_config ac = {
        .cni = k->cni,
        .data_dir = c->data_dir,
        .node_name = k->node_name,
        .host_ip = k->host_ip,
        .cgroup_parent = c->cgroup_parent,
        .images = k->images,
        .hooks = api_kubelet_hooks_template,
        .sandbox_pool = c->sandbox_pool,
    };
    ac.hooks.data = k;
    if (c->limits != NULL)
        ac.limits = *c->limits;
    else
        node_limits_default(&ac.limits);
    if (node_agent_new(&ac, &k->agent, err) < 0)
        return -1;
    struct node_static_pods_hooks hooks = {.changed = api_kubelet_mirrors_changed, .data = k};
    if (node_static_pods_start(k->agent, c->manifest_dir, k->node_name, &hooks, &k->statics, err) < 0)
        return -1;
    struct node_eviction_hooks eviction_hooks = {
        .node_conditions = on_node_conditions, .node_event = on_node_event, .data = k};
    if (node_eviction_manager_start(k->agent, &eviction_hooks, &k->eviction, err) < 0)
        return -1;
    if (pthread_create(&k->thread, NULL, api_kubelet_main, k) != 0) {
        k->thread = 0;
        return husk_error_set(err, EAGAIN, "starting the kubelet thread");
    }
    return 0;
}

int api_kubelet_start(store *s, api_server *server, const struct api_kubelet_config *config,
                      struct api_kubelet **ret, husk_error *err)
{
    struct api_kubelet *k = calloc(1, sizeof *k);
    if (k == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    k->store = s;
    k->server = server;
    k->node_name = strdup(config->node_name);
    k->host_ip = host_address();
    k->synced = json_object();
    k->events = json_object();
    k->statuses = json_object();
    k->restore_pods = config->store_recreated;
    pthread_mutex_init(&k->lock, NULL);
    if (k->node_name == NULL || k->host_ip == NULL || api_kubelet_writer_start(k, err) < 0 ||
        start_agent(k, config, err) < 0) {
        api_kubelet_stop(k);
        return -1;
    }
    *ret = k;
    return 0;
}

void api_kubelet_stop(struct api_kubelet *k)
{
    if (k == NULL)
        return;
    if (k->thread != 0) {
        pthread_mutex_lock(&k->lock);
        k->stop = true;
        pthread_mutex_unlock(&k->lock);
        api_server_changed(k->server);
        pthread_join(k->thread, NULL);
    }
    node_static_pods_stop(k->statics);
    node_eviction_manager_stop(k->eviction);
    node_agent_free(k->agent);
    /* Every worker is gone: what they queued is written before the store closes. */
    api_kubelet_writer_stop(k);
    api_kubelet_forget_written(k);
    node_cni_free(k->cni);
    image_store_close(k->images);
    json_decref(k->synced);
    json_decref(k->events);
    json_decref(k->statuses);
    pthread_mutex_destroy(&k->lock);
    free(k->node_name);
    free(k->host_ip);
    free(k);
}
