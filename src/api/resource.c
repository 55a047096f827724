/* Resource requests: dispatch by method, get, list (with label and field selectors) and delete. Writes are
 * in resource_write.c, watches in watch.c.
 *
 * Pod deletion is graceful as in Kubernetes when a node agent may be running the pod's containers: a pod
 * bound to a node (spec.nodeName) that reports container statuses gets metadata.deletionTimestamp and
 * deletionGracePeriodSeconds and stays until the node agent deletes it with gracePeriodSeconds=0. A pod that
 * never started a container (unbound, or no containerStatuses) has nothing to stop and is removed at once,
 * as is any pod deleted with gracePeriodSeconds=0. Either way the reply is the pod. Any object with
 * metadata.finalizers is only marked, and goes when an update removes the last finalizer. */
#include "api/resource.h"
#include "api/selector.h"
#include "api/status.h"
#include "api/stream.h"
#include "api/table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void api_timestamp(char *buf, size_t size, long offset_seconds)
{
    time_t now = time(NULL) + offset_seconds;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void api_reply_store_error(struct api_response *resp, const struct api_target *t, const char *name,
                           const husk_error *err)
{
    switch (err->code) {
    case ENOENT:
        api_reply_status(resp, api_status_not_found(t->resource, name));
        break;
    case EEXIST:
        api_reply_status(resp, api_status_already_exists(t->resource, name));
        break;
    case ESTALE:
        api_reply_status(resp, api_status_conflict(t->resource, name));
        break;
    case ERANGE:
        api_reply_status(resp, api_status_failure(410, "Expired", err->message, NULL));
        break;
    default:
        api_reply_status(resp, api_status_failure(500, "InternalError", err->message, NULL));
    }
}

static void resource_get(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    struct store_key key = {t->resource, t->ns, t->name};
    json_t *obj = NULL;
    husk_error err = {0};
    if (store_get(req->server->store, &key, &obj, &err) < 0) {
        api_reply_store_error(resp, t, t->name, &err);
    } else if (api_table_wanted(api_request_header(req, "Accept"))) {
        json_t *items = json_pack("[o]", obj);
        api_reply(resp, 200, api_table(t->kind, items, NULL, time(NULL)));
        json_decref(items);
    } else {
        api_reply(resp, 200, obj);
    }
}

static bool truthy(const char *v)
{
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static void resource_list(const struct api_request *req, const struct api_target *t,
                          struct api_response *resp)
{
    husk_error err = {0};
    api_selector *labels = NULL, *fields = NULL;
    if (api_label_selector_parse(api_request_arg(req, "labelSelector"), &labels, &err) < 0 ||
        api_field_selector_parse(api_request_arg(req, "fieldSelector"), t->kind->resource, &fields, &err) <
            0) {
        api_reply_status(resp, api_status_bad_request(err.message));
        api_selector_free(labels);
        return;
    }
    json_t *items = NULL;
    int64_t rv = 0;
    if (store_list(req->server->store, t->resource, t->ns, &items, &rv, &err) < 0) {
        api_reply_store_error(resp, t, "", &err);
    } else {
        json_t *selected = json_array(), *obj;
        size_t i;
        json_array_foreach(items, i, obj)
        {
            if (api_label_selector_matches(labels, obj) && api_field_selector_matches(fields, obj))
                json_array_append(selected, obj);
        }
        json_decref(items);
        char kind[96], rvs[32];
        snprintf(kind, sizeof kind, "%sList", t->kind->kind);
        snprintf(rvs, sizeof rvs, "%lld", (long long)rv);
        if (api_table_wanted(api_request_header(req, "Accept"))) {
            api_reply(resp, 200, api_table(t->kind, selected, rvs, time(NULL)));
            json_decref(selected);
        } else
            api_reply(resp, 200,
                      json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", kind, "apiVersion", t->kind->api_version,
                                "metadata", "resourceVersion", rvs, "items", selected));
    }
    api_selector_free(labels);
    api_selector_free(fields);
}

/* gracePeriodSeconds from the query or a DeleteOptions body; -1 when neither gives one. */
static long grace_period(const struct api_request *req, const json_t *options)
{
    const char *q = api_request_arg(req, "gracePeriodSeconds");
    if (q != NULL)
        return strtol(q, NULL, 10);
    json_t *g = json_object_get(options, "gracePeriodSeconds");
    return json_is_integer(g) ? (long)json_integer_value(g) : -1;
}

bool api_request_dry_run(const struct api_request *req)
{
    const char *dry_run = api_request_arg(req, "dryRun");
    if (dry_run != NULL && dry_run[0] != '\0')
        return true;
    if (strcmp(req->method, "DELETE") != 0 || req->body_len == 0)
        return false;
    /* kubectl delete sends it in the DeleteOptions body: "dryRun": ["All"]. */
    json_t *options = json_loadb(req->body, req->body_len, 0, NULL);
    bool dry = json_array_size(json_object_get(options, "dryRun")) > 0;
    json_decref(options);
    return dry;
}

bool api_pod_has_started(const json_t *pod)
{
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    json_t *statuses = json_object_get(json_object_get(pod, "status"), "containerStatuses");
    return node != NULL && node[0] != '\0' && json_array_size(statuses) > 0;
}

/* Marks an object for deletion: a running pod, which the node agent removes once its containers are
 * stopped, or an object whose finalizers must go first (the update that removes the last one deletes it). */
static void mark_deleted(const struct api_request *req, const struct api_target *t, json_t *pod, long grace,
                         struct api_response *resp)
{
    json_t *meta = json_object_get(pod, "metadata");
    if (json_object_get(meta, "deletionTimestamp") == NULL) {
        if (grace < 0)
            grace = (long)json_integer_value(
                json_object_get(json_object_get(pod, "spec"), "terminationGracePeriodSeconds"));
        char ts[32];
        api_timestamp(ts, sizeof ts, grace);
        json_object_set_new(meta, "deletionTimestamp", json_string(ts));
        json_object_set_new(meta, "deletionGracePeriodSeconds", json_integer(grace));
        struct store_key key = {t->resource, t->ns, t->name};
        husk_error err = {0};
        if (store_update(req->server->store, &key, pod, store_object_rv(pod), &err) < 0) {
            api_reply_store_error(resp, t, t->name, &err);
            json_decref(pod);
            return;
        }
        api_server_changed(req->server);
    }
    api_reply(resp, 200, pod);
}

static void resource_delete(const struct api_request *req, const struct api_target *t,
                            struct api_response *resp)
{
    json_t *options = req->body_len > 0 ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
    long grace = grace_period(req, options);
    const char *want_rv =
        json_string_value(json_object_get(json_object_get(options, "preconditions"), "resourceVersion"));
    int64_t expected = want_rv ? strtoll(want_rv, NULL, 10) : 0;
    json_decref(options);
    api_resource_delete_with(req, t, grace, expected, resp);
}

void api_resource_delete_with(const struct api_request *req, const struct api_target *t, long grace,
                              int64_t expected, struct api_response *resp)
{
    struct store_key key = {t->resource, t->ns, t->name};
    husk_error err = {0};
    bool is_pod = strcmp(t->resource, "pods") == 0;
    json_t *obj = NULL;
    if (store_get(req->server->store, &key, &obj, &err) < 0) {
        api_reply_store_error(resp, t, t->name, &err);
        return;
    }
    if (api_request_dry_run(req)) { /* kubectl delete --dry-run=server: found, and nothing changes */
        api_reply(resp, 200, is_pod ? obj : api_status_success(t->kind->resource, t->name));
        if (!is_pod)
            json_decref(obj);
        return;
    }
    /* Finalizers hold an object until their controllers remove them; a started pod waits for its node. */
    bool finalizers = json_array_size(json_object_get(json_object_get(obj, "metadata"), "finalizers")) > 0;
    if (finalizers || (is_pod && grace != 0 && api_pod_has_started(obj))) {
        mark_deleted(req, t, obj, is_pod ? grace : 0, resp);
        return;
    }
    json_decref(obj);
    json_t *old = NULL;
    if (store_delete(req->server->store, &key, expected, &old, &err) < 0) {
        api_reply_store_error(resp, t, t->name, &err);
        return;
    }
    api_server_changed(req->server);
    if (is_pod) {
        api_reply(resp, 200, old);
        return;
    }
    json_decref(old);
    api_reply(resp, 200, api_status_success(t->kind->resource, t->name));
}

/* Deleting a namespace deletes what is in it. The built-in namespaces stay, as upstream protects them. */
static bool namespace_protected(const struct api_target *t, struct api_response *resp)
{
    static const char *const kept[] = {"default", "kube-system", "kube-public"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (strcmp(t->name, kept[i]) == 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "namespaces \"%s\" is forbidden: this namespace may not be deleted",
                     t->name);
            api_reply_status(
                resp, api_status_failure(403, "Forbidden", msg,
                                         json_pack("{s:s, s:s}", "name", t->name, "kind", "namespaces")));
            return true;
        }
    }
    return false;
}

static void namespace_delete_contents(const struct api_request *req, const char *ns)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    for (size_t i = 0; i < count; i++) {
        if (!kinds[i].namespaced)
            continue;
        char resource[128];
        snprintf(resource, sizeof resource, "%s%s%s", kinds[i].resource, kinds[i].group[0] ? "." : "",
                 kinds[i].group);
        json_t *items = NULL, *obj;
        husk_error err = {0};
        if (store_list(req->server->store, resource, ns, &items, NULL, &err) < 0)
            continue;
        size_t j;
        json_array_foreach(items, j, obj)
        {
            struct store_key key = {
                resource, ns, json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"))};
            if (key.name != NULL)
                store_delete(req->server->store, &key, 0, NULL, &err);
        }
        json_decref(items);
    }
}

/* exec, attach and portforward (stream*.c): GET for WebSocket, POST for SPDY, as the API server takes them.
 */
static bool stream_subresource(const struct api_target *t)
{
    return t->subresource != NULL &&
           (strcmp(t->subresource, "exec") == 0 || strcmp(t->subresource, "attach") == 0 ||
            strcmp(t->subresource, "portforward") == 0);
}

static void stream_dispatch(const struct api_request *req, const struct api_target *t,
                            struct api_response *resp)
{
    if (strcmp(t->subresource, "exec") == 0)
        api_pod_exec(req, t, resp);
    else if (strcmp(t->subresource, "attach") == 0)
        api_pod_attach(req, t, resp);
    else
        api_pod_portforward(req, t, resp);
}

static void dispatch_method(const struct api_request *req, const struct api_target *t,
                            struct api_response *resp)
{
    const char *m = req->method;
    bool named = t->name != NULL;
    bool is_binding = t->subresource != NULL && strcmp(t->subresource, "binding") == 0;
    if (is_binding && strcmp(m, "POST") != 0)
        api_reply_status(resp,
                         api_status_failure(405, "MethodNotAllowed",
                                            "the server does not allow this method on the requested resource",
                                            json_pack("{}")));
    else if (strcmp(m, "GET") == 0 && named && t->subresource != NULL && strcmp(t->subresource, "log") == 0)
        api_pod_log(req, t, resp);
    else if ((strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0) && named && stream_subresource(t))
        stream_dispatch(req, t, resp);
    else if (named && t->subresource != NULL && strcmp(t->subresource, "scale") == 0)
        api_resource_scale(req, t, resp);
    else if (strcmp(m, "GET") == 0 && named && !truthy(api_request_arg(req, "watch")))
        resource_get(req, t, resp);
    else if (strcmp(m, "GET") == 0 && truthy(api_request_arg(req, "watch")))
        api_watch_start(req, t, resp);
    else if (strcmp(m, "GET") == 0)
        resource_list(req, t, resp);
    else if (strcmp(m, "POST") == 0 && named && t->subresource != NULL &&
             strcmp(t->subresource, "binding") == 0)
        api_resource_bind(req, t, resp);
    else if (strcmp(m, "POST") == 0 && named && t->subresource != NULL &&
             strcmp(t->subresource, "eviction") == 0)
        api_pod_evict(req, t, resp);
    else if (strcmp(m, "POST") == 0 && !named && t->ns != NULL)
        api_resource_create(req, t, resp);
    else if (strcmp(m, "PUT") == 0 && named && !is_binding)
        api_resource_update(req, t, resp);
    else if (strcmp(m, "PATCH") == 0 && named && !is_binding)
        api_resource_patch(req, t, resp);
    else if (strcmp(m, "DELETE") == 0 && named && t->subresource == NULL) {
        bool is_ns = strcmp(t->resource, "namespaces") == 0;
        if (is_ns && namespace_protected(t, resp))
            return;
        resource_delete(req, t, resp);
        if (is_ns && resp->code == 200 && !api_request_dry_run(req))
            namespace_delete_contents(req, t->name);
    } else {
        char msg[128];
        snprintf(msg, sizeof msg, "the server does not allow this method on the requested resource");
        api_reply_status(resp, api_status_failure(405, "MethodNotAllowed", msg, json_pack("{}")));
    }
}

void api_resource_handle(const struct api_request *req, const struct api_path *path,
                         struct api_response *resp)
{
    const struct objects_kind *kind = objects_kind_find_resource(path->group, path->version, path->resource);
    bool sub_ok =
        path->subresource == NULL || strcmp(path->subresource, "status") == 0 ||
        ((strcmp(path->subresource, "binding") == 0 || strcmp(path->subresource, "log") == 0 ||
          strcmp(path->subresource, "exec") == 0 || strcmp(path->subresource, "attach") == 0 ||
          strcmp(path->subresource, "portforward") == 0 || strcmp(path->subresource, "eviction") == 0) &&
         strcmp(path->resource, "pods") == 0) ||
        (strcmp(path->subresource, "scale") == 0 && kind != NULL && api_resource_has_scale(kind));
    /* A namespaced kind's object is only reachable under its namespace; only the collection is global. */
    if (kind == NULL || !sub_ok || (kind->namespaced && path->ns == NULL && path->name != NULL)) {
        api_reply_status(resp, api_status_failure(404, "NotFound",
                                                  "the server could not find the requested resource",
                                                  json_pack("{}")));
        return;
    }
    struct api_target t = {.kind = kind,
                           .ns = kind->namespaced ? path->ns : "",
                           .name = path->name,
                           .subresource = path->subresource};
    snprintf(t.resource, sizeof t.resource, "%s%s%s", kind->resource, kind->group[0] ? "." : "", kind->group);
    dispatch_method(req, &t, resp);
}
