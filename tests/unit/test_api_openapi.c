/* Discovery and OpenAPI (src/api/discovery_aggregated.c, openapi_schema.c): what kubectl reads to list
 * resources, explain fields and compute apply patches, generated from the objects layer's tables. */
#include "api/discovery.h"
#include "api/openapi.h"
#include "harness.h"

#include <string.h>

TEST(discovery_accept_picks_the_first_form_kubectl_lists)
{
    CHECK_STR_EQ(
        api_discovery_wanted("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                             "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                             "application/json"),
        "v2");
    CHECK_STR_EQ(
        api_discovery_wanted("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
        "v2beta1");
    CHECK(api_discovery_wanted("application/json, */*") == NULL);
    CHECK(api_discovery_wanted(NULL) == NULL);
    /* An unknown version is skipped, then the plain form wins. */
    CHECK(api_discovery_wanted("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,"
                               "application/json") == NULL);
}

static json_t *resource_in(json_t *list, const char *group, const char *resource)
{
    size_t i, j;
    json_t *item, *r;
    json_array_foreach(json_object_get(list, "items"), i, item)
    {
        const char *name = json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
        if (strcmp(name ? name : "", group) != 0)
            continue;
        json_array_foreach(json_object_get(json_array_get(json_object_get(item, "versions"), 0), "resources"),
                           j, r)
        {
            if (strcmp(json_string_value(json_object_get(r, "resource")), resource) == 0)
                return r;
        }
    }
    return NULL;
}

TEST(discovery_aggregated_lists_kinds_with_short_names_scope_and_subresources)
{
    json_t *core = api_discovery_aggregated(true, "v2");
    CHECK_STR_EQ(json_string_value(json_object_get(core, "apiVersion")), "apidiscovery.k8s.io/v2");
    json_t *pods = resource_in(core, "", "pods");
    CHECK(pods != NULL);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(pods, "shortNames"), 0)), "po");
    CHECK_STR_EQ(json_string_value(json_object_get(pods, "scope")), "Namespaced");
    CHECK_STR_EQ(json_string_value(json_object_get(pods, "singularResource")), "pod");
    json_t *nodes = resource_in(core, "", "nodes");
    CHECK_STR_EQ(json_string_value(json_object_get(nodes, "scope")), "Cluster");
    CHECK(json_object_get(resource_in(core, "", "configmaps"), "subresources") == NULL);
    json_t *apps = api_discovery_aggregated(false, "v2beta1");
    json_t *sts = resource_in(apps, "apps", "statefulsets");
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(sts, "shortNames"), 0)), "sts");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(sts, "responseKind"), "kind")),
                 "StatefulSet");
    CHECK(resource_in(apps, "batch", "cronjobs") != NULL);
    CHECK(resource_in(apps, "", "pods") == NULL);
}

TEST(openapi_definitions_follow_the_field_tables)
{
    json_t *defs = api_openapi_definitions("", "v1", false);
    json_t *pod = json_object_get(defs, "io.k8s.api.core.v1.Pod");
    CHECK(pod != NULL);
    json_t *gvk = json_array_get(json_object_get(pod, "x-kubernetes-group-version-kind"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(gvk, "kind")), "Pod");
    CHECK_STR_EQ(json_string_value(json_object_get(gvk, "version")), "v1");
    json_t *spec = json_object_get(json_object_get(pod, "properties"), "spec");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_array_get(json_object_get(spec, "allOf"), 0), "$ref")),
        "#/components/schemas/io.k8s.api.core.v1.PodSpec");
    json_t *containers = json_object_get(
        json_object_get(json_object_get(defs, "io.k8s.api.core.v1.PodSpec"), "properties"), "containers");
    CHECK_STR_EQ(json_string_value(json_object_get(containers, "type")), "array");
    CHECK_STR_EQ(json_string_value(json_object_get(containers, "x-kubernetes-patch-merge-key")), "name");
    CHECK_STR_CONTAINS(json_string_value(json_object_get(containers, "description")), "List of containers");
    json_t *image = json_object_get(
        json_object_get(json_object_get(defs, "io.k8s.api.core.v1.Container"), "properties"), "image");
    CHECK_STR_EQ(json_string_value(json_object_get(image, "type")), "string");
    /* Every field the table knows is there, and nothing else: a field husk drops is not advertised. */
    CHECK(
        json_object_get(json_object_get(json_object_get(defs, "io.k8s.api.core.v1.Container"), "properties"),
                        "foo") == NULL);
    CHECK(json_object_get(defs, "io.k8s.apimachinery.pkg.api.resource.Quantity") != NULL);
    CHECK(json_object_get(defs, "io.k8s.api.apps.v1.Deployment") == NULL);
    json_t *v2 = api_openapi_definitions(NULL, NULL, true);
    json_t *tmpl = json_object_get(
        json_object_get(json_object_get(v2, "io.k8s.api.apps.v1.DeploymentSpec"), "properties"), "template");
    CHECK_STR_EQ(json_string_value(json_object_get(tmpl, "$ref")),
                 "#/definitions/io.k8s.api.core.v1.PodTemplateSpec");
}
