/* The kind table; see kind.h. Adding a kind is a row here plus its field table in schema_*.c. */
#include "objects/kind.h"
#include "objects/kind_rules.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>

static const struct objects_kind kinds[] = {
    {"", "v1", "v1", "Pod", "pods", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0, objects_schema_pod, NULL, NULL,
     NULL},
    {"", "v1", "v1", "ConfigMap", "configmaps", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0,
     objects_schema_config_map, NULL, NULL, objects_validate_config_map},
    {"", "v1", "v1", "Secret", "secrets", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0, objects_schema_secret, NULL,
     objects_default_secret, objects_validate_secret},
    {"", "v1", "v1", "Namespace", "namespaces", false, OBJECTS_NAME_DNS_LABEL, 0, objects_schema_namespace,
     NULL, objects_default_namespace, NULL},
    {"", "v1", "v1", "Node", "nodes", false, OBJECTS_NAME_DNS_SUBDOMAIN, 0, objects_schema_node, NULL, NULL,
     NULL},
    {"", "v1", "v1", "Event", "events", true, OBJECTS_NAME_PATH_SEGMENT, 0, objects_schema_event, NULL, NULL,
     NULL},
    {"apps", "v1", "apps/v1", "Deployment", "deployments", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0,
     objects_schema_deployment, "spec.template", objects_default_deployment, objects_validate_deployment},
    {"apps", "v1", "apps/v1", "ReplicaSet", "replicasets", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0,
     objects_schema_replica_set, "spec.template", objects_default_replica_set, objects_validate_replica_set},
    {"apps", "v1", "apps/v1", "StatefulSet", "statefulsets", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0,
     objects_schema_stateful_set, "spec.template", objects_default_stateful_set,
     objects_validate_stateful_set},
    {"apps", "v1", "apps/v1", "DaemonSet", "daemonsets", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0,
     objects_schema_daemon_set, "spec.template", objects_default_daemon_set, objects_validate_daemon_set},
    {"batch", "v1", "batch/v1", "Job", "jobs", true, OBJECTS_NAME_DNS_SUBDOMAIN, 0, objects_schema_job,
     "spec.template", objects_default_job, objects_validate_job},
    /* A CronJob's name is at most 52 characters: 11 are kept for the suffix of the Jobs it creates. */
    {"batch", "v1", "batch/v1", "CronJob", "cronjobs", true, OBJECTS_NAME_DNS_SUBDOMAIN, 52,
     objects_schema_cron_job, "spec.jobTemplate.spec.template", objects_default_cron_job,
     objects_validate_cron_job},
};

#define KIND_COUNT (sizeof kinds / sizeof *kinds)

const struct objects_kind *objects_kind_find(const char *api_version, const char *kind)
{
    if (api_version == NULL || kind == NULL)
        return NULL;
    for (size_t i = 0; i < KIND_COUNT; i++)
        if (strcmp(kinds[i].api_version, api_version) == 0 && strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

const struct objects_kind *objects_kind_find_resource(const char *group, const char *version,
                                                      const char *resource)
{
    if (group == NULL || version == NULL || resource == NULL)
        return NULL;
    for (size_t i = 0; i < KIND_COUNT; i++)
        if (strcmp(kinds[i].group, group) == 0 && strcmp(kinds[i].version, version) == 0 &&
            strcmp(kinds[i].resource, resource) == 0)
            return &kinds[i];
    return NULL;
}

const struct objects_kind *objects_kind_of(const json_t *object)
{
    return objects_kind_find(objects_get_string(object, "apiVersion"), objects_get_string(object, "kind"));
}

const struct objects_kind *objects_kinds(size_t *ret_count)
{
    *ret_count = KIND_COUNT;
    return kinds;
}

json_t *objects_kind_pod_template(const struct objects_kind *kind, const json_t *object)
{
    if (kind == NULL)
        return NULL;
    if (strcmp(kind->kind, "Pod") == 0)
        return json_is_object(object) ? (json_t *)object : NULL;
    if (kind->pod_template_path == NULL)
        return NULL;
    const json_t *node = object;
    char segment[64];
    for (const char *p = kind->pod_template_path; node != NULL && *p != '\0';) {
        size_t n = strcspn(p, ".");
        snprintf(segment, sizeof segment, "%.*s", (int)n, p);
        node = objects_get_object(node, segment);
        p += n + (p[n] == '.');
    }
    return (json_t *)node;
}
