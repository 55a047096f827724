/* OpenAPI as kubectl asks for it: the v3 index (/openapi/v3), one document per group-version
 * (/openapi/v3/api/v1, /openapi/v3/apis/GROUP/VERSION) and the Swagger 2.0 document (/openapi/v2, in JSON:
 * kubectl asks for it in protobuf only and goes on without it when refused). Each lists the kinds' paths
 * with the operations' fieldValidation parameter and x-kubernetes-group-version-kind, which kubectl reads
 * to decide that the server validates fields itself, and the schemas of openapi_schema.c, which `kubectl
 * explain` prints and `kubectl apply` computes its strategic merge patches from. */
#include "api/openapi.h"
#include "api/request.h"
#include "base/hex.h"
#include "objects/kind.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The media types a PATCH takes: kubectl apply computes a strategic merge patch from the schemas only when
 * the kind's patch operation lists application/strategic-merge-patch+json (else it falls back to
 * /openapi/v2). Server-side apply (apply-patch+yaml) is not served. */
static json_t *patch_body(void)
{
    json_t *content = json_object();
    static const char *const types[] = {"application/json-patch+json", "application/merge-patch+json",
                                        "application/strategic-merge-patch+json"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        json_object_set_new(content, types[i], json_pack("{s:{s:s}}", "schema", "type", "object"));
    return json_pack("{s:o, s:b}", "content", content, "required", 1);
}

static json_t *operation(const struct objects_kind *k, const char *verb)
{
    json_t *op =
        json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:{s:s}, s:b}], s:{s:{s:s}}}", "operationId", verb,
                  "x-kubernetes-group-version-kind", "group", k->group, "version", k->version, "kind",
                  k->kind, "parameters", "name", "fieldValidation", "in", "query", "schema", "type", "string",
                  "uniqueItems", 1, "responses", "200", "description", "OK");
    if (strcmp(verb, "patch") == 0)
        json_object_set_new(op, "requestBody", patch_body());
    return op;
}

static json_t *group_version_doc(const char *group, const char *version)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    json_t *paths = json_object();
    for (size_t i = 0; i < count; i++) {
        const struct objects_kind *k = &kinds[i];
        if (strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
            continue;
        char prefix[128], collection[256], item[300];
        if (group[0])
            snprintf(prefix, sizeof prefix, "/apis/%s/%s", group, version);
        else
            snprintf(prefix, sizeof prefix, "/api/%s", version);
        snprintf(collection, sizeof collection, "%s%s/%s", prefix,
                 k->namespaced ? "/namespaces/{namespace}" : "", k->resource);
        snprintf(item, sizeof item, "%s/{name}", collection);
        json_object_set_new(paths, collection, json_pack("{s:o}", "post", operation(k, "create")));
        json_object_set_new(
            paths, item,
            json_pack("{s:o, s:o}", "put", operation(k, "replace"), "patch", operation(k, "patch")));
    }
    if (json_object_size(paths) == 0) {
        json_decref(paths);
        return NULL;
    }
    return json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o}}", "openapi", "3.0.0", "info", "title", "Kubernetes",
                     "version", "v1.32.0", "paths", paths, "components", "schemas",
                     api_openapi_definitions(group, version, false));
}

/* The hash the index gives each document: kubectl keeps documents in its HTTP cache by URL, so the URL
 * must change whenever the document does (SHA-512 of its compact form, as the API server's). */
static void document_hash(const char *group, const char *version, char out[2 * SHA512_DIGEST_SIZE + 1])
{
    json_t *doc = group_version_doc(group, version);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    out[0] = '\0';
    if (text != NULL) {
        struct sha512_ctx ctx;
        uint8_t digest[SHA512_DIGEST_SIZE];
        sha512_init(&ctx);
        sha512_update(&ctx, strlen(text), (const uint8_t *)text);
        sha512_digest(&ctx, sizeof digest, digest);
        husk_hex_encode_upper(digest, sizeof digest, out);
    }
    free(text);
    json_decref(doc);
}

static json_t *index_doc(void)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    json_t *paths = json_object();
    for (size_t i = 0; i < count; i++) {
        char key[128], url[384], hash[2 * SHA512_DIGEST_SIZE + 1];
        if (kinds[i].group[0])
            snprintf(key, sizeof key, "apis/%s/%s", kinds[i].group, kinds[i].version);
        else
            snprintf(key, sizeof key, "api/%s", kinds[i].version);
        if (json_object_get(paths, key) != NULL)
            continue;
        document_hash(kinds[i].group, kinds[i].version, hash);
        snprintf(url, sizeof url, "/openapi/v3/%s?hash=%s", key, hash);
        json_object_set_new(paths, key, json_pack("{s:s}", "serverRelativeURL", url));
    }
    return json_pack("{s:o}", "paths", paths);
}

/* Swagger 2.0: every group's paths and definitions in one document. */
static json_t *swagger_doc(void)
{
    json_t *paths = json_object();
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    for (size_t i = 0; i < count; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(kinds[j].group, kinds[i].group) == 0 &&
                   strcmp(kinds[j].version, kinds[i].version) == 0;
        json_t *doc = seen ? NULL : group_version_doc(kinds[i].group, kinds[i].version);
        if (doc != NULL)
            json_object_update(paths, json_object_get(doc, "paths"));
        json_decref(doc);
    }
    return json_pack("{s:s, s:{s:s, s:s}, s:o, s:o}", "swagger", "2.0", "info", "title", "Kubernetes",
                     "version", "v1.32.0", "paths", paths, "definitions",
                     api_openapi_definitions(NULL, NULL, true));
}

/* seg[0] is "openapi"; returns NULL when the path is not an OpenAPI document husk serves. */
json_t *api_openapi_document(const char *const *seg, int n)
{
    if (n == 2 && strcmp(seg[0], "openapi") == 0 && strcmp(seg[1], "v2") == 0)
        return swagger_doc();
    if (n < 2 || strcmp(seg[0], "openapi") != 0 || strcmp(seg[1], "v3") != 0)
        return NULL;
    if (n == 2)
        return index_doc();
    if (n == 4 && strcmp(seg[2], "api") == 0)
        return group_version_doc("", seg[3]);
    if (n == 5 && strcmp(seg[2], "apis") == 0)
        return group_version_doc(seg[3], seg[4]);
    return NULL;
}
