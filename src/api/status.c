/* Building Status objects; see status.h. The wording follows k8s.io/apimachinery/pkg/api/errors. */
#include "api/status.h"

#include <stdio.h>
#include <string.h>

json_t *api_status_failure(int code, const char *reason, const char *message, json_t *details)
{
    json_t *st =
        json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status", "apiVersion", "v1", "metadata",
                  "status", "Failure", "message", message, "reason", reason, "code", code);
    if (details != NULL)
        json_object_set_new(st, "details", details);
    return st;
}

/* details for a named object: {"name": "x", "group": "apps", "kind": "deployments"}. */
static json_t *object_details(const char *resource, const char *name)
{
    const char *dot = strchr(resource, '.');
    json_t *d = json_object();
    if (name != NULL && name[0] != '\0')
        json_object_set_new(d, "name", json_string(name));
    if (dot != NULL) {
        json_object_set_new(d, "group", json_string(dot + 1));
        json_object_set_new(d, "kind", json_stringn(resource, (size_t)(dot - resource)));
    } else {
        json_object_set_new(d, "kind", json_string(resource));
    }
    return d;
}

json_t *api_status_not_found(const char *resource, const char *name)
{
    char msg[768];
    snprintf(msg, sizeof msg, "%s \"%s\" not found", resource, name);
    return api_status_failure(404, "NotFound", msg, object_details(resource, name));
}

json_t *api_status_already_exists(const char *resource, const char *name)
{
    char msg[768];
    snprintf(msg, sizeof msg, "%s \"%s\" already exists", resource, name);
    return api_status_failure(409, "AlreadyExists", msg, object_details(resource, name));
}

json_t *api_status_conflict(const char *resource, const char *name)
{
    char msg[1024];
    snprintf(msg, sizeof msg,
             "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please apply your "
             "changes to the latest version and try again",
             resource, name);
    return api_status_failure(409, "Conflict", msg, object_details(resource, name));
}

json_t *api_status_bad_request(const char *message)
{
    return api_status_failure(400, "BadRequest", message, NULL);
}

json_t *api_status_success(const char *resource, const char *name)
{
    return json_pack("{s:s, s:s, s:{}, s:s, s:o}", "kind", "Status", "apiVersion", "v1", "metadata", "status",
                     "Success", "details", object_details(resource, name));
}

/* The cause reason (metav1.CauseType) from the detail's leading words, as field.ErrorType names them. */
static const char *cause_reason(const char *detail)
{
    static const struct {
        const char *prefix, *reason;
    } types[] = {
        {"Required value", "FieldValueRequired"},   {"Unsupported value", "FieldValueNotSupported"},
        {"Duplicate value", "FieldValueDuplicate"}, {"Forbidden", "FieldValueForbidden"},
        {"Too long", "FieldValueTooLong"},          {"Too many", "FieldValueTooMany"},
        {"Not found", "FieldValueNotFound"},        {"Internal error", "InternalError"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strncmp(detail, types[i].prefix, strlen(types[i].prefix)) == 0)
            return types[i].reason;
    return "FieldValueInvalid";
}

/* The message without its "field: " prefix, which the cause carries separately. */
static const char *cause_message(const struct objects_problem *p)
{
    size_t n = strlen(p->field);
    if (n > 0 && strncmp(p->message, p->field, n) == 0 && strncmp(p->message + n, ": ", 2) == 0)
        return p->message + n + 2;
    return p->message;
}

json_t *api_status_invalid(const char *kind, const char *group, const char *name,
                           const struct objects_problems *problems)
{
    json_t *causes = json_array();
    char list[2048] = "";
    size_t used = 0, errors = 0;
    for (size_t i = 0; i < problems->count; i++) {
        const struct objects_problem *p = &problems->items[i];
        if (p->severity != OBJECTS_SEVERITY_ERROR)
            continue;
        const char *detail = cause_message(p);
        json_array_append_new(causes, json_pack("{s:s, s:s, s:s}", "reason", cause_reason(detail), "message",
                                                detail, "field", p->field));
        int n = snprintf(list + used, sizeof list - used, "%s%s", errors ? ", " : "", p->message);
        if (n > 0 && used + (size_t)n < sizeof list)
            used += (size_t)n;
        errors++;
    }
    char msg[2560], qualified[128];
    /* A kind outside the core group is qualified, "Deployment.apps", as upstream's GroupKind prints. */
    snprintf(qualified, sizeof qualified, "%s%s%s", kind, group && group[0] ? "." : "", group ? group : "");
    /* One error is printed bare, several as a bracketed list: utilerrors.NewAggregate's format. */
    snprintf(msg, sizeof msg, errors == 1 ? "%s \"%s\" is invalid: %s" : "%s \"%s\" is invalid: [%s]",
             qualified, name ? name : "", list);
    json_t *details = json_pack("{s:s, s:s, s:o}", "name", name ? name : "", "kind", kind, "causes", causes);
    if (group != NULL && group[0] != '\0')
        json_object_set_new(details, "group", json_string(group));
    return api_status_failure(422, "Invalid", msg, details);
}
