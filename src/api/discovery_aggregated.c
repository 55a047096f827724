/* Aggregated discovery (KEP-3352): kubectl 1.32 asks /api and /apis for an
 * apidiscovery.k8s.io/v2 APIGroupDiscoveryList, every group with its resources in one reply, and falls
 * back to the plain documents when the reply is plain application/json. The facts per kind (short names,
 * verbs, subresources) are here too, so both forms say the same. See discovery.h. */
#include "api/discovery.h"
#include "api/resource.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* kubectl's short names, as the upstream API server registers them. */
const char *api_discovery_short_name(const char *resource)
{
    static const char *const names[][2] = {
        {"pods", "po"},          {"namespaces", "ns"},      {"nodes", "no"},           {"configmaps", "cm"},
        {"events", "ev"},        {"deployments", "deploy"}, {"replicasets", "rs"},     {"daemonsets", "ds"},
        {"statefulsets", "sts"}, {"cronjobs", "cj"},        {"serviceaccounts", "sa"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], resource) == 0)
            return names[i][1];
    return NULL;
}

void api_discovery_singular(const struct objects_kind *kind, char *buf, size_t size)
{
    size_t i = 0;
    for (; kind->kind[i] != '\0' && i + 1 < size; i++)
        buf[i] = (char)tolower((unsigned char)kind->kind[i]);
    buf[i] = '\0';
}

/* No deletecollection: husk deletes objects one by one (kubectl delete --all lists, then deletes each). */
json_t *api_discovery_verbs(void)
{
    return json_pack("[sssssss]", "create", "delete", "get", "list", "patch", "update", "watch");
}

json_t *api_discovery_categories(const struct objects_kind *kind)
{
    if (kind->pod_template_path != NULL || strcmp(kind->kind, "Pod") == 0)
        return json_pack("[s]", "all");
    return NULL;
}

static bool has_status(const struct objects_kind *kind)
{
    for (const struct objects_field *f = kind->schema; f->name != NULL; f++)
        if (strcmp(f->name, "status") == 0)
            return true;
    return false;
}

size_t api_discovery_subresources(const struct objects_kind *kind, struct api_subresource *out, size_t max)
{
    static const char *const status_verbs[] = {"get", "patch", "update", NULL};
    static const char *const create_only[] = {"create", NULL};
    static const char *const get_only[] = {"get", NULL};
    size_t n = 0;
    bool pod = kind->group[0] == '\0' && strcmp(kind->kind, "Pod") == 0;
    if (pod && n < max)
        out[n++] = (struct api_subresource){"binding", "Binding", create_only};
    if (pod && n < max)
        out[n++] = (struct api_subresource){"log", NULL, get_only};
    if (pod && n < max)
        out[n++] = (struct api_subresource){"eviction", "Eviction", create_only, "policy", "v1"};
    static const char *const scale_verbs[] = {"get", "patch", "update", NULL};
    if (api_resource_has_scale(kind) && n < max)
        out[n++] = (struct api_subresource){"scale", "Scale", scale_verbs, "autoscaling", "v1"};
    if (has_status(kind) && n < max)
        out[n++] = (struct api_subresource){"status", NULL, status_verbs};
    return n;
}

static json_t *verbs_array(const char *const *verbs)
{
    json_t *a = json_array();
    for (; *verbs != NULL; verbs++)
        json_array_append_new(a, json_string(*verbs));
    return a;
}

static json_t *response_kind(const struct objects_kind *k, const char *kind)
{
    return json_pack("{s:s, s:s, s:s}", "group", k->group, "version", k->version, "kind",
                     kind != NULL ? kind : k->kind);
}

static json_t *subresource_kind(const struct objects_kind *k, const struct api_subresource *sub)
{
    if (sub->group == NULL)
        return response_kind(k, sub->response_kind);
    return json_pack("{s:s, s:s, s:s}", "group", sub->group, "version", sub->version, "kind",
                     sub->response_kind);
}

static json_t *aggregated_resource(const struct objects_kind *k)
{
    char singular[64];
    api_discovery_singular(k, singular, sizeof singular);
    json_t *r = json_pack("{s:s, s:o, s:s, s:s, s:o}", "resource", k->resource, "responseKind",
                          response_kind(k, NULL), "scope", k->namespaced ? "Namespaced" : "Cluster",
                          "singularResource", singular, "verbs", api_discovery_verbs());
    const char *short_name = api_discovery_short_name(k->resource);
    if (short_name != NULL)
        json_object_set_new(r, "shortNames", json_pack("[s]", short_name));
    json_t *categories = api_discovery_categories(k);
    if (categories != NULL)
        json_object_set_new(r, "categories", categories);
    struct api_subresource subs[8];
    size_t n = api_discovery_subresources(k, subs, sizeof subs / sizeof *subs);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list,
                              json_pack("{s:s, s:o, s:o}", "subresource", subs[i].name, "responseKind",
                                        subresource_kind(k, &subs[i]), "verbs", verbs_array(subs[i].verbs)));
    if (n > 0)
        json_object_set_new(r, "subresources", list);
    else
        json_decref(list);
    return r;
}

/* The group's entry, or NULL when husk serves nothing in it. */
static json_t *group_discovery(const char *group)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    json_t *resources = json_array();
    const char *version = NULL;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(kinds[i].group, group) != 0)
            continue;
        version = kinds[i].version;
        json_array_append_new(resources, aggregated_resource(&kinds[i]));
    }
    if (version == NULL) {
        json_decref(resources);
        return NULL;
    }
    json_t *metadata = group[0] != '\0' ? json_pack("{s:s, s:n}", "name", group, "creationTimestamp")
                                        : json_pack("{s:n}", "creationTimestamp");
    return json_pack("{s:o, s:[{s:s, s:o, s:s}]}", "metadata", metadata, "versions", "version", version,
                     "resources", resources, "freshness", "Current");
}

json_t *api_discovery_aggregated(bool core, const char *version)
{
    json_t *items = json_array();
    if (core) {
        json_array_append_new(items, group_discovery(""));
    } else {
        size_t count = 0;
        const struct objects_kind *kinds = objects_kinds(&count);
        for (size_t i = 0; i < count; i++) {
            bool seen = kinds[i].group[0] == '\0';
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(kinds[j].group, kinds[i].group) == 0;
            if (!seen)
                json_array_append_new(items, group_discovery(kinds[i].group));
        }
    }
    char api_version[64];
    snprintf(api_version, sizeof api_version, "apidiscovery.k8s.io/%s", version);
    return json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList", "apiVersion", api_version,
                     "metadata", "items", items);
}

static bool has_param(const char *range, size_t len, const char *param)
{
    size_t n = strlen(param);
    for (const char *p = range; p + n <= range + len; p++) {
        if (strncmp(p, param, n) == 0 && (p[n] == ';' || p + n == range + len || p[n] == ' '))
            return true;
    }
    return false;
}

const char *api_discovery_wanted(const char *accept)
{
    for (const char *p = accept; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (has_param(p, len, "as=APIGroupDiscoveryList")) {
            if (has_param(p, len, "g=apidiscovery.k8s.io") && has_param(p, len, "v=v2"))
                return "v2";
            if (has_param(p, len, "g=apidiscovery.k8s.io") && has_param(p, len, "v=v2beta1"))
                return "v2beta1";
        } else if (strncmp(p + strspn(p, " "), "application/json", 16) == 0 ||
                   strncmp(p + strspn(p, " "), "*/*", 3) == 0) {
            return NULL;
        }
        p += len + (p[len] == ',');
    }
    return NULL;
}
