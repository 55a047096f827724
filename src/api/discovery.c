/* The unauthenticated-looking basics and the plain (unaggregated) discovery documents: /version, /healthz,
 * /livez, /readyz, /api, /api/v1, /apis, /apis/GROUP and /apis/GROUP/VERSION. kubectl asks for aggregated
 * discovery first and falls back to these when the reply is plain application/json. The resource lists
 * come from the objects layer's kind table, so every kind husk decodes is served. */
#include "api/discovery.h"
#include "api/status.h"
#include "objects/kind.h"

#include <stdio.h>
#include <string.h>

static json_t *resource_entry(const struct objects_kind *k)
{
    char singular[64];
    api_discovery_singular(k, singular, sizeof singular);
    json_t *e = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", k->resource, "singularName", singular,
                          "namespaced", k->namespaced, "kind", k->kind, "verbs", api_discovery_verbs());
    const char *sn = api_discovery_short_name(k->resource);
    if (sn != NULL)
        json_object_set_new(e, "shortNames", json_pack("[s]", sn));
    json_t *categories = api_discovery_categories(k);
    if (categories != NULL)
        json_object_set_new(e, "categories", categories);
    return e;
}

static json_t *subresource_entry(const struct objects_kind *k, const struct api_subresource *sub)
{
    char name[96];
    snprintf(name, sizeof name, "%s/%s", k->resource, sub->name);
    json_t *verbs = json_array();
    for (const char *const *v = sub->verbs; *v != NULL; v++)
        json_array_append_new(verbs, json_string(*v));
    json_t *entry =
        json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", name, "singularName", "", "namespaced", k->namespaced,
                  "kind", sub->response_kind ? sub->response_kind : k->kind, "verbs", verbs);
    /* kubectl drain looks for pods/eviction with its group and version (CheckEvictionSupport). */
    if (sub->group != NULL)
        json_object_update_new(entry, json_pack("{s:s, s:s}", "group", sub->group, "version", sub->version));
    return entry;
}

static json_t *resource_list(const char *group, const char *version)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    json_t *resources = json_array();
    for (size_t i = 0; i < count; i++) {
        const struct objects_kind *k = &kinds[i];
        if (strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
            continue;
        json_array_append_new(resources, resource_entry(k));
        struct api_subresource subs[8];
        size_t n = api_discovery_subresources(k, subs, sizeof subs / sizeof *subs);
        for (size_t j = 0; j < n; j++)
            json_array_append_new(resources, subresource_entry(k, &subs[j]));
    }
    if (json_array_size(resources) == 0) {
        json_decref(resources);
        return NULL;
    }
    char gv[96];
    snprintf(gv, sizeof gv, "%s%s%s", group, group[0] ? "/" : "", version);
    return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1", "groupVersion",
                     gv, "resources", resources);
}

static json_t *group_entry(const char *group, const char *version)
{
    char gv[96];
    snprintf(gv, sizeof gv, "%s/%s", group, version);
    return json_pack("{s:s, s:[{s:s, s:s}], s:{s:s, s:s}}", "name", group, "versions", "groupVersion", gv,
                     "version", version, "preferredVersion", "groupVersion", gv, "version", version);
}

/* Every non-core group, once, in the kind table's order. Each group serves one version here. */
static json_t *group_list(void)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    json_t *groups = json_array();
    for (size_t i = 0; i < count; i++) {
        bool seen = kinds[i].group[0] == '\0';
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(kinds[j].group, kinds[i].group) == 0;
        if (!seen)
            json_array_append_new(groups, group_entry(kinds[i].group, kinds[i].version));
    }
    return json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1", "groups", groups);
}

static json_t *find_group(const char *group)
{
    json_t *list = group_list(), *found = NULL, *g;
    size_t i;
    json_array_foreach(json_object_get(list, "groups"), i, g)
    {
        if (strcmp(json_string_value(json_object_get(g, "name")), group) == 0)
            found = json_incref(g);
    }
    json_decref(list);
    if (found != NULL) {
        json_object_set_new(found, "kind", json_string("APIGroup"));
        json_object_set_new(found, "apiVersion", json_string("v1"));
    }
    return found;
}

static json_t *version_info(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major", "1", "minor", "32",
                     "gitVersion", "v1.32.0-husk." HUSK_VERSION, "gitCommit", "", "gitTreeState", "clean",
                     "buildDate", "1970-01-01T00:00:00Z", "goVersion", "none (C)", "compiler", "gcc",
                     "platform", "linux/amd64");
}

static bool accepts_json(const char *accept)
{
    return accept == NULL || accept[0] == '\0' || strstr(accept, "application/json") != NULL ||
           strstr(accept, "*/*") != NULL;
}

static void reply_text(struct api_response *resp, const char *text)
{
    resp->code = 200;
    resp->raw = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (resp->raw != NULL)
        MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
}

bool api_discovery_handle(const struct api_request *req, const char *const *seg, int n,
                          struct api_response *resp)
{
    if (n == 1 &&
        (strcmp(seg[0], "healthz") == 0 || strcmp(seg[0], "livez") == 0 || strcmp(seg[0], "readyz") == 0)) {
        reply_text(resp, "ok");
        return true;
    }
    if (n == 1 && strcmp(seg[0], "version") == 0) {
        api_reply(resp, 200, version_info());
        return true;
    }
    const char *aggregated = api_discovery_wanted(api_request_header(req, "Accept"));
    if (n == 1 && (strcmp(seg[0], "api") == 0 || strcmp(seg[0], "apis") == 0) && aggregated != NULL) {
        api_reply(resp, 200, api_discovery_aggregated(strcmp(seg[0], "api") == 0, aggregated));
        resp->content_type =
            strcmp(aggregated, "v2") == 0
                ? "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
                : "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
        return true;
    }
    json_t *doc = NULL;
    if (n == 1 && strcmp(seg[0], "api") == 0)
        doc = json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions", "versions", "v1",
                        "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0", "serverAddress", "");
    else if (n == 2 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0)
        doc = resource_list("", "v1");
    else if (n == 1 && strcmp(seg[0], "apis") == 0)
        doc = group_list();
    else if (n == 2 && strcmp(seg[0], "apis") == 0)
        doc = find_group(seg[1]);
    else if (n == 3 && strcmp(seg[0], "apis") == 0)
        doc = resource_list(seg[1], seg[2]);
    else if (n == 2 && strcmp(seg[0], "openapi") == 0 && strcmp(seg[1], "v2") == 0 &&
             !accepts_json(api_request_header(req, "Accept"))) {
        /* kubectl asks for the protobuf form only, and goes on without the document when refused. */
        api_reply_status(
            resp, api_status_failure(406, "NotAcceptable",
                                     "only the following media types are accepted: application/json", NULL));
        return true;
    } else if (n >= 2 && strcmp(seg[0], "openapi") == 0)
        doc = api_openapi_document(seg, n);
    else
        return false;
    if (doc == NULL)
        api_reply_status(resp, api_status_failure(404, "NotFound",
                                                  "the server could not find the requested resource",
                                                  json_pack("{}")));
    else
        api_reply(resp, 200, doc);
    return true;
}
