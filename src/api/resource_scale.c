/* The scale subresource of Deployments, ReplicaSets and StatefulSets (`kubectl scale`): an autoscaling/v1
 * Scale made from the object (spec.replicas, status.replicas, the selector as a string), read with GET and
 * written with PUT or a patch, which changes the object's spec.replicas. See resource.h. */
#include "api/resource.h"
#include "api/status.h"
#include "api/table_internal.h"
#include "objects/pod.h"

#include <string.h>

bool api_resource_has_scale(const struct objects_kind *kind)
{
    return strcmp(kind->group, "apps") == 0 &&
           (strcmp(kind->kind, "Deployment") == 0 || strcmp(kind->kind, "ReplicaSet") == 0 ||
            strcmp(kind->kind, "StatefulSet") == 0);
}

static json_t *scale_of(const json_t *obj)
{
    const json_t *meta = objects_get_object(obj, "metadata");
    char selector[1024];
    api_table_format_selector(objects_get_object(objects_get_object(obj, "spec"), "selector"), selector,
                              sizeof selector);
    json_t *scale = json_pack(
        "{s:s, s:s, s:{s:O?, s:O?, s:O?, s:O?, s:O?}, s:{s:I}, s:{s:I, s:s}}", "kind", "Scale", "apiVersion",
        "autoscaling/v1", "metadata", "name", json_object_get(meta, "name"), "namespace",
        json_object_get(meta, "namespace"), "uid", json_object_get(meta, "uid"), "resourceVersion",
        json_object_get(meta, "resourceVersion"), "creationTimestamp",
        json_object_get(meta, "creationTimestamp"), "spec", "replicas",
        json_integer_value(json_object_get(objects_get_object(obj, "spec"), "replicas")), "status",
        "replicas", json_integer_value(json_object_get(objects_get_object(obj, "status"), "replicas")),
        "selector", strcmp(selector, "<none>") == 0 ? "" : selector);
    return scale;
}

/* The new Scale a PUT or PATCH asks for; NULL after a reply when it cannot be read. */
static json_t *requested_scale(const struct api_request *req, const json_t *current,
                               struct api_response *resp)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
    if (body == NULL) {
        api_reply_status(resp, api_status_bad_request("the Scale in the request body cannot be decoded"));
        return NULL;
    }
    json_t *scale = strcmp(req->method, "PUT") == 0 ? json_incref(body)
                                                    : api_resource_apply_patch(req, current, body, resp);
    json_decref(body);
    if (scale != NULL && !json_is_integer(json_object_get(objects_get_object(scale, "spec"), "replicas"))) {
        api_reply_status(resp, api_status_bad_request("spec.replicas of the Scale must be an integer"));
        json_decref(scale);
        return NULL;
    }
    return scale;
}

static void write_scale(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    struct api_target object = *t;
    object.subresource = NULL;
    for (int attempt = 0; attempt < 5; attempt++) {
        json_t *cur = NULL;
        struct store_key key = {t->resource, t->ns, t->name};
        husk_error err = {0};
        if (store_get(req->server->store, &key, &cur, &err) < 0) {
            api_reply_store_error(resp, t, t->name, &err);
            return;
        }
        json_t *current = scale_of(cur), *scale = requested_scale(req, current, resp);
        json_decref(current);
        if (scale == NULL) {
            json_decref(cur);
            return;
        }
        /* A Scale that names a resourceVersion is a precondition, as for the object itself. */
        int64_t wanted = store_object_rv(scale);
        json_t *obj = json_deep_copy(cur);
        json_object_set(objects_get_object(obj, "spec"), "replicas",
                        json_object_get(objects_get_object(scale, "spec"), "replicas"));
        json_decref(scale);
        bool done = api_resource_write_object(req, &object, cur, obj,
                                              wanted > 0 ? wanted : store_object_rv(cur), resp);
        json_decref(cur);
        if (done || wanted > 0) {
            if (done && resp->code == 200 && resp->body != NULL)
                api_reply(resp, 200, scale_of(resp->body));
            else if (!done)
                api_reply_status(resp, api_status_conflict(t->resource, t->name));
            return;
        }
    }
    api_reply_status(resp, api_status_conflict(t->resource, t->name));
}

void api_resource_scale(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    if (strcmp(req->method, "GET") == 0) {
        json_t *cur = NULL;
        struct store_key key = {t->resource, t->ns, t->name};
        husk_error err = {0};
        if (store_get(req->server->store, &key, &cur, &err) < 0) {
            api_reply_store_error(resp, t, t->name, &err);
            return;
        }
        api_reply(resp, 200, scale_of(cur));
        json_decref(cur);
    } else if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
        write_scale(req, t, resp);
    } else {
        api_reply_status(resp,
                         api_status_failure(405, "MethodNotAllowed",
                                            "the server does not allow this method on the requested resource",
                                            json_pack("{}")));
    }
}
