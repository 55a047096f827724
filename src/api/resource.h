/* What the resource handlers (resource.c, resource_write.c, watch.c) share: the object a request is about,
 * and the mapping of store failures to Status replies. Internal to src/api. */
#ifndef HUSK_API_RESOURCE_H
#define HUSK_API_RESOURCE_H

#include "api/request.h"
#include "objects/kind.h"

struct api_target {
    const struct objects_kind *kind;
    char resource[128]; /* the store's and the messages' resource name: "pods", "deployments.apps" */
    const char *ns;     /* the namespace; "" for cluster-scoped kinds; NULL to list every namespace */
    const char *name;   /* NULL for collections */
    const char *subresource;
};

/* Replies with the Status that a store failure (err->code, see store.h) stands for. */
void api_reply_store_error(struct api_response *resp, const struct api_target *t, const char *name,
                           const husk_error *err);

/* Whether merged changes a field of cur that may not change (resource_immutable.c); if so, replies with
 * the Invalid Status naming it. */
bool api_update_immutable_violated(const struct api_target *t, const json_t *cur, const json_t *merged,
                                   struct api_response *resp);

/* The patch body applied to cur, by the request's Content-Type (JSON, merge or strategic merge patch);
 * NULL with a 400/415/422 reply when it cannot be. */
json_t *api_resource_apply_patch(const struct api_request *req, const json_t *cur, const json_t *patch,
                                 struct api_response *resp);

/* Validates and stores obj as the new version of cur (t names the object itself, no subresource), replying
 * with it or the failure; false, with no reply, when cur was stale and the caller should start over. */
bool api_resource_write_object(const struct api_request *req, const struct api_target *t, const json_t *cur,
                               json_t *obj, int64_t expected, struct api_response *resp);

/* GET, PUT and PATCH of deployments, replicasets and statefulsets' scale subresource (resource_scale.c). */
void api_resource_scale(const struct api_request *req, const struct api_target *t, struct api_response *resp);
bool api_resource_has_scale(const struct objects_kind *kind);

/* POST, PUT and PATCH (resource_write.c). */
void api_resource_create(const struct api_request *req, const struct api_target *t,
                         struct api_response *resp);
void api_resource_update(const struct api_request *req, const struct api_target *t,
                         struct api_response *resp);
void api_resource_bind(const struct api_request *req, const struct api_target *t, struct api_response *resp);
void api_resource_patch(const struct api_request *req, const struct api_target *t, struct api_response *resp);

/* GET ...?watch=1 (watch.c): a streamed reply of {"type": ..., "object": ...} lines. */
/* GET pods/NAME/log (pod_log.c). */
void api_pod_log(const struct api_request *req, const struct api_target *t, struct api_response *resp);

void api_watch_start(const struct api_request *req, const struct api_target *t, struct api_response *resp);

/* DELETE of t->name with the grace period (-1: the object's own) and, when expected is not 0, the
 * resourceVersion precondition (resource.c). */
void api_resource_delete_with(const struct api_request *req, const struct api_target *t, long grace,
                              int64_t expected, struct api_response *resp);

/* POST pods/NAME/eviction (pod_eviction.c). */
void api_pod_evict(const struct api_request *req, const struct api_target *t, struct api_response *resp);

/* Whether the request is a dry run (dryRun=All: kubectl diff, --dry-run=server): validated and answered
 * as if done, nothing stored. */
bool api_request_dry_run(const struct api_request *req);

/* Whether a node agent reports containers for the pod: then deleting it is graceful. */
bool api_pod_has_started(const json_t *pod);

/* A random (version 4) UUID, as metadata.uid. */
void api_random_uid(char *buf, size_t size);

/* RFC 3339 time in UTC, "2024-01-02T03:04:05Z", now plus offset seconds. */
void api_timestamp(char *buf, size_t size, long offset_seconds);

#endif
