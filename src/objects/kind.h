/* The kinds husk knows: group, version, kind, plural resource name, scope, field schema, where the pod
 * template sits, and the kind's own defaulting and validation rules. Every kind goes through the same
 * decode/default/validate/encode machinery; this table is what differs. */
#ifndef HUSK_OBJECTS_KIND_H
#define HUSK_OBJECTS_KIND_H

#include "objects/schema.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct objects_validation;

enum objects_name_rule {
    OBJECTS_NAME_DNS_SUBDOMAIN, /* most kinds: RFC 1123 subdomain, <= 253 */
    OBJECTS_NAME_DNS_LABEL,     /* Namespace: RFC 1123 label, <= 63 */
    OBJECTS_NAME_PATH_SEGMENT,  /* Event: anything but "." / ".." / "/" / "%" */
};

struct objects_kind {
    const char *group;       /* "" for the core group */
    const char *version;     /* "v1" */
    const char *api_version; /* "v1", "apps/v1" */
    const char *kind;        /* "Pod" */
    const char *resource;    /* "pods" */
    bool namespaced;
    enum objects_name_rule name_rule;
    size_t max_name_length; /* 0: the rule's own limit (CronJob: 52) */
    const struct objects_field *schema;
    /* Dotted path of the embedded PodTemplateSpec ("spec.template", "spec.jobTemplate.spec.template"); NULL
     * when the kind has none. For Pod itself the pod spec is at "spec". */
    const char *pod_template_path;
    /* Kind-specific defaults and checks beyond the pod template's; NULL when none. */
    void (*set_defaults)(json_t *object);
    void (*validate)(const json_t *object, struct objects_validation *v);
};

/* By apiVersion ("apps/v1") and kind ("Deployment"); NULL when unknown. */
const struct objects_kind *objects_kind_find(const char *api_version, const char *kind);

/* By group ("" or "apps"), version and plural resource ("deployments"); NULL when unknown. */
const struct objects_kind *objects_kind_find_resource(const char *group, const char *version,
                                                      const char *resource);

/* The kind of a decoded object, from its apiVersion and kind fields; NULL when unknown or missing. */
const struct objects_kind *objects_kind_of(const json_t *object);

/* The whole table, for listing (API discovery). */
const struct objects_kind *objects_kinds(size_t *ret_count);

/* The PodTemplateSpec inside object for its kind (NULL if absent or not an object). For a Pod, the Pod. */
json_t *objects_kind_pod_template(const struct objects_kind *kind, const json_t *object);

#endif
