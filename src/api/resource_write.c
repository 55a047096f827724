/* Writes: create (POST), update (PUT) and patch (PATCH). Each decodes the body through the objects layer,
 * checks that it names what the URL names, sets what the server owns (uid, creationTimestamp, status on
 * create), defaults and validates as the Kubernetes API server does, then writes with optimistic
 * concurrency. Strategic merge patches merge the well-known keyed lists (see patch.h). */
#include "api/node.h"
#include "api/patch.h"
#include "api/protobuf.h"
#include "api/prune.h"
#include "api/resource.h"
#include "api/status.h"
#include "base/base64.h"
#include "base/log.h"
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static json_t *meta_of(json_t *obj)
{
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(obj, "metadata", meta);
    }
    return meta;
}

static const char *meta_string(const json_t *obj, const char *field)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), field));
}

/* Decodes the body into one object of the target's kind; replies 400 and returns NULL otherwise. */
static json_t *decode_body(const struct api_request *req, const struct api_target *t,
                           struct api_response *resp)
{
    /* JSON and YAML, and protobuf for the few kinds kubectl's typed clients send that way. */
    const char *type = api_request_header(req, "Content-Type");
    husk_error err = {0};
    json_t *obj = NULL;
    if (type != NULL && strncmp(type, "application/vnd.kubernetes.protobuf", 35) == 0) {
        if (api_protobuf_decode((const unsigned char *)req->body, req->body_len, &obj, &err) < 0) {
            api_reply_status(resp, err.code == ENOTSUP
                                       ? api_status_failure(415, "UnsupportedMediaType", err.message, NULL)
                                       : api_status_bad_request(err.message));
            return NULL;
        }
    } else if (type != NULL && strncmp(type, "application/json", 16) != 0 &&
               strncmp(type, "application/yaml", 16) != 0 && strncmp(type, "*/*", 3) != 0) {
        api_reply_status(resp,
                         api_status_failure(415, "UnsupportedMediaType",
                                            "the body of the request was in an unknown format - accepted "
                                            "media types include: application/json, application/yaml",
                                            NULL));
        return NULL;
    } else if (objects_decode_object(req->body, req->body_len, "request body", &obj, &err) < 0) {
        api_reply_status(resp, api_status_bad_request(err.message));
        return NULL;
    }
    const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (api_version == NULL || kind == NULL || strcmp(api_version, t->kind->api_version) != 0 ||
        strcmp(kind, t->kind->kind) != 0) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "the API version in the data (%s) does not match the expected API version (%s)",
                 api_version ? api_version : "", t->kind->api_version);
        if (api_version != NULL && strcmp(api_version, t->kind->api_version) == 0)
            snprintf(msg, sizeof msg, "the kind in the data (%s) does not match the expected kind (%s)",
                     kind ? kind : "", t->kind->kind);
        api_reply_status(resp, api_status_bad_request(msg));
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* The object's namespace must be the URL's (an empty one takes the URL's). */
static bool check_namespace(json_t *obj, const struct api_target *t, struct api_response *resp)
{
    if (!t->kind->namespaced)
        return true;
    const char *ns = meta_string(obj, "namespace");
    if (ns == NULL || ns[0] == '\0') {
        json_object_set_new(meta_of(obj), "namespace", json_string(t->ns));
        return true;
    }
    if (strcmp(ns, t->ns) == 0)
        return true;
    api_reply_status(
        resp, api_status_bad_request(
                  "the namespace of the provided object does not match the namespace sent on the request"));
    return false;
}

/* Adds to the Warning header: code 299 and the text as an HTTP quoted-string, comma-separated (RFC 7234). */
static void add_warning(struct api_response *resp, const char *text)
{
    size_t size = sizeof resp->warning, n = strlen(resp->warning);
    if (n + strlen(text) + 16 >= size)
        return;
    n += (size_t)snprintf(resp->warning + n, size - n, "%s299 - \"", n ? ", " : "");
    for (const char *p = text; *p && n + 3 < size; p++) {
        if (*p == '"' || *p == '\\')
            resp->warning[n++] = '\\';
        resp->warning[n++] = *p;
    }
    resp->warning[n++] = '"';
    resp->warning[n] = '\0';
}

/* Under fieldValidation=Strict an unknown field makes the body undecodable: 400, upstream's words (a patch's
 * result is converted, not decoded: the message has no "cannot be handled" part then). */
static bool reply_strict_decoding(const struct api_target *t, bool patch,
                                  const struct objects_problems *problems, struct api_response *resp)
{
    char msg[2048];
    int n = patch ? snprintf(msg, sizeof msg, "strict decoding error: ")
                  : snprintf(msg, sizeof msg,
                             "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
                             t->kind->kind, t->kind->version, t->kind->kind);
    bool any = false;
    for (size_t i = 0; i < problems->count && n > 0 && (size_t)n < sizeof msg; i++) {
        const struct objects_problem *p = &problems->items[i];
        if (p->severity != OBJECTS_SEVERITY_ERROR || strstr(p->message, "unknown field \"") == NULL)
            continue;
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s%s", any ? ", " : "",
                      strstr(p->message, "unknown field"));
        any = true;
    }
    if (any)
        api_reply_status(resp, api_status_bad_request(msg));
    return any;
}

/* Defaults and validates; replies 400 or 422 (or sets the Warning header) as the problems say, and drops
 * the unknown fields that were only warned about. */
/* A Secret's stringData is write-only: the API server stores it base64-encoded in data, where it wins
 * over a key of the same name, and drops it (core/v1 conversion). */
static void merge_string_data(json_t *secret)
{
    json_t *strings = json_object_get(secret, "stringData");
    if (!json_is_object(strings))
        return;
    json_t *data = json_object_get(secret, "data");
    if (!json_is_object(data)) {
        data = json_object();
        json_object_set_new(secret, "data", data);
    }
    const char *key;
    json_t *value;
    json_object_foreach(strings, key, value)
    {
        const char *text = json_string_value(value) ? json_string_value(value) : "";
        char *encoded = husk_base64_encode_alloc(text, strlen(text));
        if (encoded == NULL)
            continue;
        json_object_set_new(data, key, json_string(encoded));
        free(encoded);
    }
    json_object_del(secret, "stringData");
}

static bool default_and_validate(const struct api_request *req, const struct api_target *t, json_t *obj,
                                 struct api_response *resp)
{
    husk_error err = {0};
    if (objects_default(obj, &err) < 0) {
        api_reply_status(resp, api_status_failure(500, "InternalError", err.message, NULL));
        return false;
    }
    const char *fv = api_request_arg(req, "fieldValidation");
    enum objects_strictness strict =
        fv && strcmp(fv, "Strict") == 0 ? OBJECTS_STRICT_ERROR : OBJECTS_STRICT_WARN;
    struct objects_problems problems = {0};
    bool ok = objects_validate(obj, NULL, strict, &problems) == 0;
    if (!ok) {
        if (!(strict == OBJECTS_STRICT_ERROR &&
              reply_strict_decoding(t, strcmp(req->method, "PATCH") == 0, &problems, resp)))
            api_reply_status(
                resp, api_status_invalid(t->kind->kind, t->kind->group, meta_string(obj, "name"), &problems));
    } else if (problems.warnings > 0 && !(fv && strcmp(fv, "Ignore") == 0)) {
        for (size_t i = 0; i < problems.count; i++)
            if (problems.items[i].severity == OBJECTS_SEVERITY_WARNING)
                add_warning(resp, problems.items[i].message);
    }
    objects_problems_free(&problems);
    if (ok)
        api_prune_unknown_fields(obj, t->kind->schema);
    if (ok && strcmp(t->resource, "secrets") == 0)
        merge_string_data(obj);
    return ok;
}

void api_random_uid(char *buf, size_t size)
{
    unsigned char b[16] = {0};
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)rand();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(buf, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* generateName gets five random characters from the alphabet upstream uses (no vowels, no look-alikes). */
static void generate_name(json_t *meta)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    const char *prefix = json_string_value(json_object_get(meta, "generateName"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (prefix == NULL || (name != NULL && name[0] != '\0'))
        return;
    unsigned char r[5] = {0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)rand();
    char buf[320];
    int n = snprintf(buf, sizeof buf, "%.57s", prefix);
    for (size_t i = 0; i < sizeof r; i++)
        buf[n++] = alphabet[r[i] % (sizeof alphabet - 1)];
    buf[n] = '\0';
    json_object_set_new(meta, "name", json_string(buf));
}

/* QoS class from the containers' requests and limits (the simple form of upstream's GetPodQOS). */
static const char *pod_qos(const json_t *spec)
{
    bool any = false, guaranteed = true;
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(spec, "containers"), i, c)
    {
        json_t *res = json_object_get(c, "resources");
        json_t *limits = json_object_get(res, "limits"), *requests = json_object_get(res, "requests");
        any = any || json_object_size(limits) > 0 || json_object_size(requests) > 0;
        for (const char *const *r = (const char *const[]){"cpu", "memory", NULL}; *r; r++) {
            json_t *l = json_object_get(limits, *r), *q = json_object_get(requests, *r);
            if (l == NULL || (q != NULL && !json_equal(l, q)))
                guaranteed = false;
        }
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/* What the server fills in on create: identity, time, and the initial status of pods and namespaces. */
static void set_server_fields(const struct api_target *t, json_t *obj)
{
    json_t *meta = meta_of(obj);
    char uid[40], ts[32];
    api_random_uid(uid, sizeof uid);
    api_timestamp(ts, sizeof ts, 0);
    json_object_set_new(meta, "uid", json_string(uid));
    json_object_set_new(meta, "creationTimestamp", json_string(ts));
    json_object_set_new(meta, "generation", json_integer(1));
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "deletionTimestamp");
    json_object_del(meta, "deletionGracePeriodSeconds");
    json_object_del(meta, "selfLink");
    if (strcmp(t->resource, "pods") == 0) {
        json_object_set_new(
            obj, "status",
            json_pack("{s:s, s:s}", "phase", "Pending", "qosClass", pod_qos(json_object_get(obj, "spec"))));
    } else if (strcmp(t->resource, "namespaces") == 0) {
        json_t *labels = json_object_get(meta, "labels");
        if (!json_is_object(labels)) {
            labels = json_object();
            json_object_set_new(meta, "labels", labels);
        }
        json_t *name = json_object_get(meta, "name");
        if (json_is_string(name))
            json_object_set(labels, "kubernetes.io/metadata.name", name);
        json_object_set_new(obj, "spec", json_pack("{s:[s]}", "finalizers", "kubernetes"));
        json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));
    }
}

static bool namespace_exists(const struct api_request *req, const struct api_target *t,
                             struct api_response *resp)
{
    if (!t->kind->namespaced)
        return true;
    struct store_key key = {"namespaces", "", t->ns};
    json_t *ns = NULL;
    husk_error err = {0};
    if (store_get(req->server->store, &key, &ns, &err) == 0) {
        json_decref(ns);
        return true;
    }
    struct api_target nt = {.resource = "namespaces"};
    api_reply_store_error(resp, &nt, t->ns, &err);
    return false;
}

/* A dry-run create: everything but the write, so an existing name is still AlreadyExists. */
static void create_dry_run(const struct api_request *req, const struct api_target *t,
                           const struct store_key *key, json_t *obj, struct api_response *resp)
{
    json_t *existing = NULL;
    husk_error err = {0};
    if (store_get(req->server->store, key, &existing, &err) == 0) {
        json_decref(existing);
        api_reply_status(resp, api_status_already_exists(t->resource, key->name));
        return;
    }
    api_reply(resp, 201, json_incref(obj));
}

void api_resource_create(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_t *obj = decode_body(req, t, resp);
    if (obj == NULL)
        return;
    generate_name(meta_of(obj));
    if (check_namespace(obj, t, resp) && namespace_exists(req, t, resp)) {
        set_server_fields(t, obj);
        if (default_and_validate(req, t, obj, resp)) {
            struct store_key key = {t->resource, t->ns, meta_string(obj, "name")};
            husk_error err = {0};
            if (api_request_dry_run(req)) {
                create_dry_run(req, t, &key, obj, resp);
            } else if (store_create(req->server->store, &key, obj, &err) < 0) {
                api_reply_store_error(resp, t, key.name, &err);
            } else {
                api_server_changed(req->server);
                api_reply(resp, 201, json_incref(obj));
            }
        }
    }
    json_decref(obj);
}

/* Pod specs are immutable but for a few fields (upstream's ValidatePodUpdate). */
static bool pod_spec_change_allowed(const json_t *old_spec, const json_t *new_spec)
{
    json_t *a = json_deep_copy(old_spec), *b = json_deep_copy(new_spec);
    json_t *specs[] = {a, b};
    for (size_t s = 0; s < 2; s++) {
        for (const char *const *f = (const char *const[]){"activeDeadlineSeconds", "tolerations",
                                                          "terminationGracePeriodSeconds", NULL};
             *f; f++)
            json_object_del(specs[s], *f);
        for (const char *const *list = (const char *const[]){"containers", "initContainers", NULL}; *list;
             list++) {
            json_t *c;
            size_t i;
            json_array_foreach(json_object_get(specs[s], *list), i, c)
            {
                json_object_del(c, "image");
            }
        }
    }
    bool same = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same;
}

static void reply_pod_update_forbidden(const struct api_target *t, const char *name,
                                       struct api_response *resp)
{
    struct objects_problems problems = {0};
    objects_problems_add(
        &problems, OBJECTS_SEVERITY_ERROR, "spec", 0, 0,
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
        "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
        "set to 1 if it was previously negative)");
    api_reply_status(resp, api_status_invalid(t->kind->kind, t->kind->group, name, &problems));
    objects_problems_free(&problems);
}

/* Copies what a client cannot change from the stored object: identity, deletion marks, and the status
 * (only the status subresource writes it); for /status, everything but the status. */
static json_t *merge_server_fields(const struct api_target *t, const json_t *cur, json_t *obj)
{
    if (t->subresource != NULL) {
        json_t *merged = json_deep_copy(cur);
        json_t *status = json_object_get(obj, "status");
        if (status != NULL)
            json_object_set(merged, "status", status);
        return merged;
    }
    json_t *merged = json_incref(obj);
    json_t *meta = meta_of(merged), *cur_meta = json_object_get(cur, "metadata");
    for (const char *const *f =
             (const char *const[]){"uid", "creationTimestamp", "deletionTimestamp",
                                   "deletionGracePeriodSeconds", "generateName", "generation", NULL};
         *f; f++) {
        json_t *v = json_object_get(cur_meta, *f);
        if (v != NULL)
            json_object_set(meta, *f, v);
        else
            json_object_del(meta, *f);
    }
    json_t *status = json_object_get(cur, "status");
    if (status != NULL)
        json_object_set(merged, "status", status);
    return merged;
}

/* metadata.generation counts changes of the desired state (spec), for controllers' observedGeneration. */
static void bump_generation(const json_t *cur, json_t *merged)
{
    json_t *gen = json_object_get(json_object_get(cur, "metadata"), "generation");
    if (json_is_integer(gen) && !json_equal(json_object_get(cur, "spec"), json_object_get(merged, "spec")))
        json_object_set_new(meta_of(merged), "generation", json_integer(json_integer_value(gen) + 1));
}

/* An object marked for deletion goes once its last finalizer is removed; a pod only when its node is done
 * with it too (never started, or deleted with grace 0). */
static void finish_deletion(const struct api_request *req, const struct api_target *t, const json_t *obj)
{
    const json_t *meta = json_object_get(obj, "metadata");
    if (json_object_get(meta, "deletionTimestamp") == NULL ||
        json_array_size(json_object_get(meta, "finalizers")) > 0)
        return;
    if (strcmp(t->resource, "pods") == 0 && api_pod_has_started(obj) &&
        json_integer_value(json_object_get(meta, "deletionGracePeriodSeconds")) != 0)
        return;
    struct store_key key = {t->resource, t->ns, t->name};
    husk_error err = {0};
    if (store_delete(req->server->store, &key, store_object_rv(obj), NULL, &err) < 0)
        log_warn("api: finishing the deletion of %s %s/%s: %s", t->resource, t->ns, t->name, err.message);
}

enum write_result { WRITE_DONE, WRITE_CONFLICT };

/* Validates and stores obj as the new version of cur; on a stale version with retry allowed, replies
 * nothing and returns WRITE_CONFLICT so that a patch can be applied again to the newer object. */
static enum write_result write_update(const struct api_request *req, const struct api_target *t,
                                      const json_t *cur, json_t *obj, int64_t expected, bool may_retry,
                                      struct api_response *resp)
{
    const char *name = meta_string(obj, "name");
    if (name == NULL || name[0] == '\0') {
        json_object_set_new(meta_of(obj), "name", json_string(t->name));
    } else if (strcmp(name, t->name) != 0) {
        char msg[768];
        snprintf(msg, sizeof msg, "the name of the object (%s) does not match the name on the URL (%s)", name,
                 t->name);
        api_reply_status(resp, api_status_bad_request(msg));
        return WRITE_DONE;
    }
    if (!check_namespace(obj, t, resp))
        return WRITE_DONE;
    json_t *merged = merge_server_fields(t, cur, obj);
    enum write_result result = WRITE_DONE;
    if (!default_and_validate(req, t, merged, resp)) {
        json_decref(merged);
        return WRITE_DONE;
    }
    json_object_set(meta_of(merged), "resourceVersion",
                    json_object_get(json_object_get(cur, "metadata"), "resourceVersion"));
    bump_generation(cur, merged);
    if (strcmp(t->resource, "nodes") == 0)
        api_node_sync_taints(merged); /* cordon and uncordon, as the node lifecycle controller taints */
    if (strcmp(t->resource, "pods") == 0 && t->subresource == NULL &&
        !pod_spec_change_allowed(json_object_get(cur, "spec"), json_object_get(merged, "spec"))) {
        reply_pod_update_forbidden(t, t->name, resp);
    } else if (api_update_immutable_violated(t, cur, merged, resp)) {
        result = WRITE_DONE;
    } else if (json_equal(merged, cur) || api_request_dry_run(req)) {
        /* A no-op update writes nothing and keeps the version, as upstream's storage does; a dry run
         * (kubectl diff, apply --dry-run=server) answers what would be stored. */
        api_reply(resp, 200, json_incref(merged));
    } else {
        struct store_key key = {t->resource, t->ns, t->name};
        husk_error err = {0};
        if (store_update(req->server->store, &key, merged, expected, &err) == 0) {
            finish_deletion(req, t, merged);
            api_server_changed(req->server);
            api_reply(resp, 200, json_incref(merged));
        } else if (err.code == ESTALE && may_retry) {
            result = WRITE_CONFLICT;
        } else {
            api_reply_store_error(resp, t, t->name, &err);
        }
    }
    json_decref(merged);
    return result;
}

static bool get_current(const struct api_request *req, const struct api_target *t, json_t **ret,
                        struct api_response *resp)
{
    struct store_key key = {t->resource, t->ns, t->name};
    husk_error err = {0};
    if (store_get(req->server->store, &key, ret, &err) == 0)
        return true;
    api_reply_store_error(resp, t, t->name, &err);
    return false;
}

void api_resource_update(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_t *obj = decode_body(req, t, resp), *cur = NULL;
    if (obj == NULL)
        return;
    int64_t expected = store_object_rv(obj);
    if (expected < 0) {
        api_reply_status(resp,
                         api_status_bad_request("metadata.resourceVersion: Invalid value: must be a number"));
    } else if (get_current(req, t, &cur, resp)) {
        write_update(req, t, cur, obj, expected, false, resp);
        json_decref(cur);
    }
    json_decref(obj);
}

json_t *api_resource_apply_patch(const struct api_request *req, const json_t *cur, const json_t *patch,
                                 struct api_response *resp)
{
    const char *type = api_request_header(req, "Content-Type");
    husk_error err = {0};
    json_t *doc = NULL;
    if (type != NULL && strncmp(type, "application/json-patch+json", 27) == 0) {
        if (api_json_patch(cur, patch, &doc, &err) < 0) {
            api_reply_status(resp, api_status_failure(422, "Invalid", err.message, NULL));
            return NULL;
        }
        return doc;
    }
    if (type != NULL && strncmp(type, "application/merge-patch+json", 28) == 0)
        return api_merge_patch(cur, patch);
    if (type != NULL && strncmp(type, "application/strategic-merge-patch+json", 38) == 0)
        return api_strategic_merge_patch(cur, patch);
    api_reply_status(
        resp, api_status_failure(415, "UnsupportedMediaType",
                                 "the body of the request was in an unknown format - accepted media "
                                 "types include: application/json-patch+json, "
                                 "application/merge-patch+json, application/strategic-merge-patch+json",
                                 NULL));
    return NULL;
}

bool api_resource_write_object(const struct api_request *req, const struct api_target *t, const json_t *cur,
                               json_t *obj, int64_t expected, struct api_response *resp)
{
    return write_update(req, t, cur, obj, expected, true, resp) == WRITE_DONE;
}

void api_resource_patch(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_error_t jerr;
    json_t *patch = json_loadb(req->body, req->body_len, 0, &jerr);
    if (patch == NULL) {
        char msg[512];
        snprintf(msg, sizeof msg, "error decoding patch: %s", jerr.text);
        api_reply_status(resp, api_status_bad_request(msg));
        return;
    }
    /* A patch that names a resourceVersion is a precondition; otherwise a lost race is retried. */
    int64_t wanted = json_is_object(patch) ? store_object_rv(patch) : 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        json_t *cur = NULL;
        if (!get_current(req, t, &cur, resp))
            break;
        json_t *doc = api_resource_apply_patch(req, cur, patch, resp);
        enum write_result r = WRITE_DONE;
        if (doc != NULL)
            r = write_update(req, t, cur, doc, wanted > 0 ? wanted : store_object_rv(cur), wanted <= 0, resp);
        json_decref(doc);
        json_decref(cur);
        if (r == WRITE_DONE)
            break;
        if (attempt == 4)
            api_reply_status(resp, api_status_conflict(t->resource, t->name));
    }
    json_decref(patch);
}

/* POST pods/NAME/binding: a scheduler's (or the node agent's) assignment of a pod to a node. Upstream
 * refuses to move a pod that is already bound. */
void api_resource_bind(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_t *binding = json_loadb(req->body, req->body_len, 0, NULL), *pod = NULL;
    const char *node = json_string_value(json_object_get(json_object_get(binding, "target"), "name"));
    if (node == NULL || node[0] == '\0') {
        api_reply_status(resp, api_status_bad_request("a Binding needs target.name"));
    } else if (get_current(req, t, &pod, resp)) {
        json_t *spec = json_object_get(pod, "spec");
        const char *bound = json_string_value(json_object_get(spec, "nodeName"));
        struct store_key key = {t->resource, t->ns, t->name};
        husk_error err = {0};
        if (bound != NULL && bound[0] != '\0') {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is already assigned to "
                     "node \"%s\"",
                     t->name, t->name, bound);
            api_reply_status(resp, api_status_failure(409, "Conflict", msg, NULL));
        } else {
            json_object_set_new(spec, "nodeName", json_string(node));
            if (store_update(req->server->store, &key, pod, store_object_rv(pod), &err) < 0) {
                api_reply_store_error(resp, t, t->name, &err);
            } else {
                api_server_changed(req->server);
                api_reply(resp, 201,
                          json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                                    "metadata", "status", "Success", "code", 201));
            }
        }
        json_decref(pod);
    }
    json_decref(binding);
}
