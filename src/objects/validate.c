/* objects_validate: type and kind, the schema walk (unknown fields, wrong types), ObjectMeta, then the
 * kind's own rules; see validate.h. Like the API server, an object whose fields have the wrong types is not
 * checked further: it could not have been decoded. */
#include "objects/validate.h"
#include "objects/kind.h"
#include "objects/kind_rules.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>

static void validate_name(const char *name, const struct objects_kind *kind, const char *field,
                          struct objects_validation *v)
{
    switch (kind->name_rule) {
    case OBJECTS_NAME_DNS_LABEL:
        objects_check_dns_label(v, field, name);
        break;
    case OBJECTS_NAME_DNS_SUBDOMAIN:
        objects_check_dns_subdomain(v, field, name);
        break;
    case OBJECTS_NAME_PATH_SEGMENT:
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            objects_err_invalid_string(v, field, name,
                                       strcmp(name, ".") == 0 ? "may not be '.'" : "may not be '..'");
        else if (strchr(name, '/') != NULL)
            objects_err_invalid_string(v, field, name, "may not contain '/'");
        else if (strchr(name, '%') != NULL)
            objects_err_invalid_string(v, field, name, "may not contain '%'");
        break;
    }
}

/* Puts the prefix as the user wrote it back into a message produced for its masked form. */
static void restore_value(struct objects_problem *problem, const char *masked, const char *original)
{
    char quoted[320], *at = NULL;
    snprintf(quoted, sizeof quoted, "\"%s\"", masked);
    if (strlen(masked) == strlen(original) && (at = strstr(problem->message, quoted)) != NULL)
        memcpy(at + 1, original, strlen(original));
}

void objects_validate_object_meta(const json_t *object, const struct objects_kind *kind, const char *path,
                                  bool is_template, struct objects_validation *v)
{
    const json_t *meta = json_object_get(object, "metadata");
    char field[OBJECTS_PATH_MAX];
    if (!is_template && kind != NULL) {
        const char *name = objects_str(meta, "name"), *generate = objects_str(meta, "generateName");
        objects_path(field, "%s.name", path);
        if (name[0] == '\0' && generate[0] == '\0')
            objects_err_required(v, field, "name or generateName is required");
        else if (name[0] != '\0')
            validate_name(name, kind, field, v);
        if (generate[0] != '\0') {
            /* A prefix: a trailing '-' is fine, random characters follow it (maskTrailingDash). */
            char masked[300];
            snprintf(masked, sizeof masked, "%s", generate);
            size_t n = strlen(masked);
            if (n > 1 && masked[n - 1] == '-')
                masked[n - 1] = 'a';
            objects_path(field, "%s.generateName", path);
            size_t before = v->problems->count;
            validate_name(masked, kind, field, v);
            for (size_t i = before; i < v->problems->count; i++)
                restore_value(&v->problems->items[i], masked, generate);
        }
        if (kind->max_name_length > 0 && strlen(name) > kind->max_name_length) {
            char detail[64];
            snprintf(detail, sizeof detail, "must be no more than %zu characters", kind->max_name_length);
            objects_err_invalid_string(v, field, name, detail);
        }
        const char *ns = objects_str(meta, "namespace");
        objects_path(field, "%s.namespace", path);
        if (!kind->namespaced && ns[0] != '\0')
            objects_err_forbidden(v, field, "not allowed on this type");
        else if (ns[0] != '\0')
            objects_check_dns_label(v, field, ns);
    }
    objects_path(field, "%s.labels", path);
    objects_check_labels(v, field, json_object_get(meta, "labels"));
    objects_path(field, "%s.annotations", path);
    objects_check_annotations(v, field, json_object_get(meta, "annotations"));
}

static bool check_type(const json_t *object, struct objects_validation *v)
{
    const char *api_version = objects_get_string(object, "apiVersion");
    const char *kind = objects_get_string(object, "kind");
    /* kubectl's client-side words for a manifest without its type. */
    if (api_version == NULL || api_version[0] == '\0')
        objects_report(v->problems, v->positions, OBJECTS_SEVERITY_ERROR, "apiVersion", "apiVersion not set");
    if (kind == NULL || kind[0] == '\0')
        objects_report(v->problems, v->positions, OBJECTS_SEVERITY_ERROR, "kind", "kind not set");
    if (api_version == NULL || kind == NULL || api_version[0] == '\0' || kind[0] == '\0')
        return false;
    if (objects_kind_find(api_version, kind) == NULL) {
        objects_report(v->problems, v->positions, OBJECTS_SEVERITY_ERROR, "kind",
                       "no matches for kind \"%s\" in version \"%s\"", kind, api_version);
        return false;
    }
    return true;
}

int objects_validate(const json_t *object, const struct objects_positions *positions,
                     enum objects_strictness strictness, struct objects_problems *ret)
{
    struct objects_validation v = {positions, ret, strictness == OBJECTS_STRICT_ERROR};
    size_t errors_before = ret->errors;
    if (!json_is_object(object)) {
        objects_report(ret, positions, OBJECTS_SEVERITY_ERROR, "", "the object is not a JSON object");
        return -1;
    }
    if (!check_type(object, &v))
        return -1;
    const struct objects_kind *kind = objects_kind_of(object);
    if (objects_schema_check(object, kind->schema, "", positions, v.strict, ret) > 0)
        return -1;
    objects_validate_object_meta(object, kind, "metadata", false, &v);
    if (strcmp(kind->kind, "Pod") == 0) {
        const json_t *spec = json_object_get(object, "spec");
        if (json_is_object(spec))
            objects_validate_pod_spec(spec, "spec", NULL, &v);
        else
            objects_err_required(&v, "spec.containers", NULL);
    }
    if (kind->validate != NULL)
        kind->validate(object, &v);
    return ret->errors > errors_before ? -1 : 0;
}

int objects_invalid_header(const json_t *object, char *buf, size_t size)
{
    const char *kind = objects_get_string(object, "kind");
    const char *name = objects_meta_name(object);
    int n;
    if ((kind == NULL || kind[0] == '\0') && (name == NULL || name[0] == '\0'))
        n = snprintf(buf, size, "The request is invalid");
    else
        n = snprintf(buf, size, "The %s \"%s\" is invalid", kind != NULL ? kind : "",
                     name != NULL ? name : "");
    return n < 0 || (size_t)n >= size ? -1 : n;
}
