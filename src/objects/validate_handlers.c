/* Probes, lifecycle hooks and their handlers, security contexts, downward-API field selectors and local
 * paths (validateProbe, validateHandler, ValidateSecurityContext, validateObjectFieldSelector,
 * validateLocalDescendingPath in pkg/apis/core/validation), in the API server's words. */
#include "objects/pod_rules.h"

#include <stdio.h>
#include <string.h>

static void validate_port_num_or_name(const json_t *port, const char *path, struct objects_validation *v)
{
    if (json_is_string(port))
        objects_check_port_name(v, path, json_string_value(port));
    else
        objects_check_port_number(v, path, json_is_integer(port) ? json_integer_value(port) : 0);
}

static void validate_http_get(const json_t *http, const char *path, struct objects_validation *v)
{
    static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.path", path);
    if (objects_str(http, "path")[0] == '\0')
        objects_err_required(v, field, NULL);
    objects_path(field, "%s.port", path);
    validate_port_num_or_name(json_object_get(http, "port"), field, v);
    objects_path(field, "%s.scheme", path);
    const char *scheme = objects_str(http, "scheme");
    if (strcmp(scheme, "HTTP") != 0 && strcmp(scheme, "HTTPS") != 0)
        objects_err_unsupported(v, field, scheme, schemes);
}

/* validateHandler: exactly one of exec, httpGet, tcpSocket, grpc (probes) or sleep (lifecycle hooks). */
static void validate_handler(const json_t *handler, bool lifecycle, int64_t grace_period, const char *path,
                             struct objects_validation *v)
{
    static const char *const types[] = {"exec", "httpGet", "tcpSocket", "grpc", "sleep"};
    int count = 0;
    for (size_t t = 0; t < 5; t++) {
        const json_t *action = json_object_get(handler, types[t]);
        if (!json_is_object(action) || (t == 3 && lifecycle) || (t == 4 && !lifecycle))
            continue;
        char field[OBJECTS_PATH_MAX], sub[OBJECTS_PATH_MAX];
        objects_path(field, "%s.%s", path, types[t]);
        if (count++ > 0) {
            objects_err_forbidden(v, field, "may not specify more than 1 handler type");
            continue;
        }
        if (t == 0 && json_array_size(json_object_get(action, "command")) == 0) {
            objects_path(sub, "%s.command", field);
            objects_err_required(v, sub, NULL);
        } else if (t == 1) {
            validate_http_get(action, field, v);
        } else if (t == 2 || t == 3) {
            objects_path(sub, "%s.port", field);
            validate_port_num_or_name(json_object_get(action, "port"), sub, v);
        } else if (t == 4) {
            int64_t seconds = objects_int(action, "seconds", 0);
            if (seconds < 0 || seconds > grace_period) {
                char detail[128];
                snprintf(detail, sizeof detail,
                         "must be non-negative and less than terminationGracePeriodSeconds (%lld)",
                         (long long)grace_period);
                objects_path(sub, "%s.seconds", field);
                objects_err_invalid_int(v, sub, seconds, detail);
            }
        }
    }
    if (count == 0)
        objects_err_required(v, path, "must specify a handler type");
}

void objects_validate_probe(const json_t *probe, const char *path, enum objects_probe_kind kind,
                            struct objects_validation *v)
{
    if (!json_is_object(probe))
        return;
    char field[OBJECTS_PATH_MAX];
    validate_handler(probe, false, 0, path, v);
    static const char *const counters[] = {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                                           "successThreshold", "failureThreshold"};
    for (size_t i = 0; i < 5; i++) {
        objects_path(field, "%s.%s", path, counters[i]);
        objects_check_non_negative(v, field, json_object_get(probe, counters[i]));
    }
    objects_path(field, "%s.terminationGracePeriodSeconds", path);
    if (objects_has(probe, "terminationGracePeriodSeconds")) {
        int64_t grace = objects_int(probe, "terminationGracePeriodSeconds", 0);
        if (kind == OBJECTS_PROBE_READINESS)
            objects_err_invalid_int(v, field, grace, "must not be set for readinessProbes");
        else if (grace <= 0)
            objects_err_invalid_int(v, field, grace, "must be greater than 0");
    }
    /* A liveness or startup probe succeeds once: a higher threshold would only delay a restart. */
    int64_t success = objects_int(probe, "successThreshold", 0);
    objects_path(field, "%s.successThreshold", path);
    if (kind != OBJECTS_PROBE_READINESS && success != 1)
        objects_err_invalid_int(v, field, success, "must be 1");
}

void objects_validate_lifecycle(const json_t *lifecycle, int64_t grace_period, const char *path,
                                struct objects_validation *v)
{
    static const char *const hooks[] = {"postStart", "preStop"};
    for (size_t h = 0; h < 2; h++) {
        const json_t *hook = json_object_get(lifecycle, hooks[h]);
        char field[OBJECTS_PATH_MAX];
        objects_path(field, "%s.%s", path, hooks[h]);
        if (json_is_object(hook))
            validate_handler(hook, true, grace_period, field, v);
    }
}

void objects_validate_seccomp_profile(const json_t *profile, const char *path, struct objects_validation *v)
{
    static const char *const types[] = {"Localhost", "RuntimeDefault", "Unconfined", NULL};
    if (!json_is_object(profile))
        return;
    char field[OBJECTS_PATH_MAX];
    const char *type = objects_str(profile, "type");
    objects_path(field, "%s.type", path);
    objects_check_enum(v, field, type, types);
    objects_path(field, "%s.localhostProfile", path);
    if (strcmp(type, "Localhost") == 0 && objects_str(profile, "localhostProfile")[0] == '\0')
        objects_err_required(v, field, "must be set when seccomp type is Localhost");
    else if (strcmp(type, "Localhost") != 0 && objects_has(profile, "localhostProfile"))
        objects_err_invalid_string(v, field, objects_str(profile, "localhostProfile"),
                                   "can only be set when seccomp type is Localhost");
}

static void validate_id(const json_t *context, const char *key, const char *path,
                        struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.%s", path, key);
    int64_t id = objects_int(context, key, 0);
    if (id < 0 || id > 2147483647)
        objects_err_invalid_int(v, field, id, "must be between 0 and 2147483647, inclusive");
}

void objects_validate_security_context(const json_t *context, const char *path, struct objects_validation *v)
{
    if (!json_is_object(context))
        return;
    validate_id(context, "runAsUser", path, v);
    validate_id(context, "runAsGroup", path, v);
    static const char *const proc_mounts[] = {"Default", "Unmasked", NULL};
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.procMount", path);
    if (objects_has(context, "procMount"))
        objects_check_enum(v, field, objects_str(context, "procMount"), proc_mounts);
    objects_path(field, "%s.seccompProfile", path);
    objects_validate_seccomp_profile(json_object_get(context, "seccompProfile"), field, v);
    if (json_is_false(json_object_get(context, "allowPrivilegeEscalation")) &&
        json_is_true(json_object_get(context, "privileged")))
        objects_err_invalid(v, path, context,
                            "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
}

static bool in_list(const char *value, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(value, *list) == 0)
            return true;
    return false;
}

void objects_validate_field_selector(const json_t *selector, bool for_volume, const char *path,
                                     struct objects_validation *v)
{
    static const char *const convertible[] = {"metadata.annotations",
                                              "metadata.labels",
                                              "metadata.name",
                                              "metadata.namespace",
                                              "metadata.uid",
                                              "spec.nodeName",
                                              "spec.restartPolicy",
                                              "spec.serviceAccountName",
                                              "spec.schedulerName",
                                              "status.phase",
                                              "status.hostIP",
                                              "status.hostIPs",
                                              "status.podIP",
                                              "status.podIPs",
                                              NULL};
    static const char *const for_env[] = {
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs",     "status.podIP", "status.podIPs", NULL};
    static const char *const for_volumes[] = {"metadata.annotations", "metadata.labels", "metadata.name",
                                              "metadata.namespace",   "metadata.uid",    NULL};
    char field[OBJECTS_PATH_MAX];
    const char *field_path = objects_str(selector, "fieldPath");
    objects_path(field, "%s.fieldPath", path);
    if (field_path[0] == '\0') {
        objects_err_required(v, field, NULL);
        return;
    }
    /* metadata.labels['app'] and metadata.annotations['x'] name one key. */
    char base[256];
    snprintf(base, sizeof base, "%s", field_path);
    char *bracket = strchr(base, '[');
    if (bracket != NULL) {
        *bracket = '\0';
        if (strcmp(base, "metadata.labels") != 0 && strcmp(base, "metadata.annotations") != 0)
            objects_err_invalid_string(v, path, base, "does not support subscript");
        return;
    }
    if (!in_list(field_path, convertible)) {
        char detail[512];
        snprintf(detail, sizeof detail, "error converting fieldPath: field label not supported: %s",
                 field_path);
        objects_err_invalid_string(v, field, field_path, detail);
        return;
    }
    objects_check_enum(v, field, field_path, for_volume ? for_volumes : for_env);
}

void objects_validate_local_path(const char *value, const char *path, struct objects_validation *v)
{
    if (value[0] == '/')
        objects_err_invalid_string(v, path, value, "must be a relative path");
    /* validatePathNoBacksteps: no ".." element, the escape of CVE-2017-1002101 and its kin. */
    const char *p = value;
    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            objects_err_invalid_string(v, path, value, "must not contain '..'");
            break;
        }
        p += n + (p[n] == '/');
    }
}
