/* A minimal OpenAPI v3 index (/openapi/v3) and one document per group-version (/openapi/v3/api/v1,
 * /openapi/v3/apis/GROUP/VERSION). It lists each kind's paths with the operations' fieldValidation
 * parameter and x-kubernetes-group-version-kind, which is what kubectl reads to decide that the server
 * validates fields itself (kubectl create/apply skip client-side validation then). Full schemas, for
 * `kubectl explain`, are issue 8's. */
#include "api/request.h"
#include "objects/kind.h"

#include <stdio.h>
#include <string.h>

static json_t *operation(const struct objects_kind *k, const char *verb)
{
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:{s:s}, s:b}], s:{s:{s:s}}}", "operationId",
                     verb, "x-kubernetes-group-version-kind", "group", k->group, "version", k->version,
                     "kind", k->kind, "parameters", "name", "fieldValidation", "in", "query", "schema",
                     "type", "string", "uniqueItems", 1, "responses", "200", "description", "OK");
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
    return json_pack("{s:s, s:{s:s, s:s}, s:o}", "openapi", "3.0.0", "info", "title", "Kubernetes", "version",
                     "v1.32.0", "paths", paths);
}

static json_t *index_doc(void)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    json_t *paths = json_object();
    for (size_t i = 0; i < count; i++) {
        char key[128], url[192];
        if (kinds[i].group[0])
            snprintf(key, sizeof key, "apis/%s/%s", kinds[i].group, kinds[i].version);
        else
            snprintf(key, sizeof key, "api/%s", kinds[i].version);
        snprintf(url, sizeof url, "/openapi/v3/%s?hash=" HUSK_VERSION, key);
        json_object_set_new(paths, key, json_pack("{s:s}", "serverRelativeURL", url));
    }
    return json_pack("{s:o}", "paths", paths);
}

/* seg[0] is "openapi"; returns NULL when the path is not an OpenAPI document husk serves. */
json_t *api_openapi_document(const char *const *seg, int n)
{
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
