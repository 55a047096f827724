/* Validation of the workload kinds (pkg/apis/apps/validation, pkg/apis/batch/validation): selector,
 * replicas, the pod template with the restart policies each kind allows; and of ConfigMap and Secret
 * (keys, sizes, base64 data). */
#include "objects/kind_rules.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>

static const char *const always_only[] = {"Always", NULL};
static const char *const job_policies[] = {"OnFailure", "Never", NULL};

/* Whether a matchLabels / matchExpressions selector selects labels (metav1.LabelSelectorAsSelector). */
static bool expression_matches(const json_t *expression, const json_t *labels)
{
    const char *op = objects_str(expression, "operator");
    const char *value = objects_get_string(labels, objects_str(expression, "key"));
    bool in = false;
    size_t i;
    json_t *candidate;
    json_array_foreach(json_object_get(expression, "values"), i, candidate)
    {
        in |= value != NULL && json_is_string(candidate) && strcmp(json_string_value(candidate), value) == 0;
    }
    if (strcmp(op, "In") == 0)
        return in;
    if (strcmp(op, "NotIn") == 0)
        return !in;
    if (strcmp(op, "Exists") == 0)
        return value != NULL;
    return value == NULL; /* DoesNotExist */
}

static bool selector_matches(const json_t *selector, const json_t *labels)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)json_object_get(selector, "matchLabels"), key, value)
    {
        const char *have = objects_get_string(labels, key);
        if (have == NULL || !json_is_string(value) || strcmp(have, json_string_value(value)) != 0)
            return false;
    }
    size_t i;
    json_t *expression;
    json_array_foreach(json_object_get(selector, "matchExpressions"), i, expression)
    {
        if (!expression_matches(expression, labels))
            return false;
    }
    return true;
}

static bool selector_empty(const json_t *selector)
{
    return json_object_size(json_object_get(selector, "matchLabels")) == 0 &&
           json_array_size(json_object_get(selector, "matchExpressions")) == 0;
}

static void validate_selector(const json_t *selector, const char *path, struct objects_validation *v)
{
    static const char *const operators[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.matchLabels", path);
    objects_check_labels(v, field, json_object_get(selector, "matchLabels"));
    size_t i;
    json_t *expression;
    json_array_foreach(json_object_get(selector, "matchExpressions"), i, expression)
    {
        const char *op = objects_str(expression, "operator");
        objects_path(field, "%s.matchExpressions[%zu].operator", path, i);
        objects_check_enum(v, field, op, operators);
        size_t values = json_array_size(json_object_get(expression, "values"));
        objects_path(field, "%s.matchExpressions[%zu].values", path, i);
        if ((strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) && values == 0)
            objects_err_required(v, field, "must be specified when `operator` is 'In' or 'NotIn'");
        else if ((strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) && values > 0)
            objects_err_forbidden(v, field,
                                  "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        objects_path(field, "%s.matchExpressions[%zu].key", path, i);
        objects_check_qualified_name(v, field, objects_str(expression, "key"));
    }
}

/* The pod template of a kind: labels, annotations and spec, with its restart policies. */
static void validate_template(const json_t *template, const char *path, const char *const *policies,
                              struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.metadata", path);
    objects_validate_object_meta(template, NULL, field, true, v);
    objects_path(field, "%s.spec", path);
    const json_t *spec = json_object_get(template, "spec");
    if (json_is_object(spec))
        objects_validate_pod_spec(spec, field, policies, v);
    else {
        objects_path(field, "%s.spec.containers", path);
        objects_err_required(v, field, NULL);
    }
}

/* Deployment, ReplicaSet, StatefulSet, DaemonSet: a selector that matches the template's labels. */
static void validate_replicated(const json_t *object, bool has_replicas, struct objects_validation *v)
{
    const json_t *spec = json_object_get(object, "spec");
    const json_t *selector = json_object_get(spec, "selector");
    const json_t *template = json_object_get(spec, "template");
    if (has_replicas)
        objects_check_non_negative(v, "spec.replicas", json_object_get(spec, "replicas"));
    if (!json_is_object(selector))
        objects_err_required(v, "spec.selector", NULL);
    else if (selector_empty(selector))
        objects_err_invalid(v, "spec.selector", selector, "empty selector is invalid for deployment");
    else
        validate_selector(selector, "spec.selector", v);
    if (!json_is_object(template)) {
        objects_err_required(v, "spec.template", NULL);
        return;
    }
    const json_t *labels = json_object_get(json_object_get(template, "metadata"), "labels");
    if (json_is_object(selector) && !selector_empty(selector) && !selector_matches(selector, labels)) {
        json_t *empty = json_object();
        objects_err_invalid(v, "spec.template.metadata.labels", json_is_object(labels) ? labels : empty,
                            "`selector` does not match template `labels`");
        json_decref(empty);
    }
    validate_template(template, "spec.template", always_only, v);
    const json_t *pod_spec = json_object_get(template, "spec");
    if (objects_has(pod_spec, "activeDeadlineSeconds"))
        objects_err_invalid_int(v, "spec.template.spec.activeDeadlineSeconds",
                                objects_int(pod_spec, "activeDeadlineSeconds", 0),
                                "activeDeadlineSeconds in ReplicaSet is not Supported");
}

void objects_validate_deployment(const json_t *object, struct objects_validation *v)
{
    validate_replicated(object, true, v);
    static const char *const strategies[] = {"Recreate", "RollingUpdate", NULL};
    const json_t *strategy = json_object_get(json_object_get(object, "spec"), "strategy");
    objects_check_enum(v, "spec.strategy.type", objects_get_string(strategy, "type"), strategies);
    if (strcmp(objects_str(strategy, "type"), "Recreate") == 0 && objects_has(strategy, "rollingUpdate"))
        objects_err_forbidden(v, "spec.strategy.rollingUpdate",
                              "may not be specified when strategy `type` is 'Recreate'");
}

void objects_validate_replica_set(const json_t *object, struct objects_validation *v)
{
    validate_replicated(object, true, v);
}

void objects_validate_stateful_set(const json_t *object, struct objects_validation *v)
{
    validate_replicated(object, true, v);
    static const char *const policies[] = {"OrderedReady", "Parallel", NULL};
    const json_t *spec = json_object_get(object, "spec");
    objects_check_enum(v, "spec.podManagementPolicy", objects_get_string(spec, "podManagementPolicy"),
                       policies);
}

void objects_validate_daemon_set(const json_t *object, struct objects_validation *v)
{
    validate_replicated(object, false, v);
}

static void validate_job_spec(const json_t *spec, const char *path, struct objects_validation *v)
{
    static const char *const counters[] = {"parallelism", "completions", "backoffLimit"};
    char field[OBJECTS_PATH_MAX];
    for (size_t i = 0; i < 3; i++) {
        objects_path(field, "%s.%s", path, counters[i]);
        objects_check_non_negative(v, field, json_object_get(spec, counters[i]));
    }
    objects_path(field, "%s.template", path);
    const json_t *template = json_object_get(spec, "template");
    if (json_is_object(template))
        validate_template(template, field, job_policies, v);
    else {
        objects_path(field, "%s.template.spec.containers", path);
        objects_err_required(v, field, NULL);
    }
}

void objects_validate_job(const json_t *object, struct objects_validation *v)
{
    validate_job_spec(json_object_get(object, "spec"), "spec", v);
}

/* A standard cron line: five fields, or a @-macro (robfig/cron's parser, as the CronJob controller uses). */
static bool schedule_valid(const char *schedule)
{
    static const char *const macros[] = {"@yearly", "@annually", "@monthly", "@weekly",
                                         "@daily",  "@midnight", "@hourly",  NULL};
    for (size_t i = 0; macros[i] != NULL; i++)
        if (strcmp(schedule, macros[i]) == 0)
            return true;
    int fields = 0;
    for (const char *p = schedule; *p != '\0';) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        fields++;
        for (; *p != '\0' && *p != ' ' && *p != '\t'; p++)
            if (strchr("0123456789*/,-?LW#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", *p) == NULL)
                return false;
    }
    return fields == 5;
}

void objects_validate_cron_job(const json_t *object, struct objects_validation *v)
{
    const json_t *spec = json_object_get(object, "spec");
    const char *schedule = objects_str(spec, "schedule");
    if (schedule[0] == '\0')
        objects_err_required(v, "spec.schedule", NULL);
    else if (!schedule_valid(schedule))
        objects_err_invalid_string(v, "spec.schedule", schedule, "unparseable schedule");
    static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
    if (objects_str(spec, "concurrencyPolicy")[0] == '\0')
        objects_err_required(v, "spec.concurrencyPolicy", NULL);
    else
        objects_check_enum(v, "spec.concurrencyPolicy", objects_str(spec, "concurrencyPolicy"), policies);
    objects_check_non_negative(v, "spec.startingDeadlineSeconds",
                               json_object_get(spec, "startingDeadlineSeconds"));
    const json_t *job = json_object_get(json_object_get(spec, "jobTemplate"), "spec");
    validate_job_spec(job, "spec.jobTemplate.spec", v);
}

/* ConfigMap and Secret keys: config keys, not repeated between the two maps, 1 MiB in all. */
static void validate_data(const json_t *object, const char *first, const char *second, bool base64,
                          struct objects_validation *v)
{
    size_t total = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)json_object_get(object, first), key, value)
    {
        char field[OBJECTS_PATH_MAX];
        objects_path(field, "%s[%s]", first, key);
        objects_check_config_key(v, field, key);
        if (second != NULL && json_object_get(json_object_get(object, second), key) != NULL) {
            char detail[64];
            snprintf(detail, sizeof detail, "duplicate of key present in %s", second);
            objects_err_invalid_string(v, field, key, detail);
        }
        const char *text = json_string_value(value) ? json_string_value(value) : "";
        size_t n = strlen(text);
        /* The bytes are what count; base64 text is 4/3 of them. */
        total += base64 ? n / 4 * 3 : n;
        if (base64 &&
            (n % 4 != 0 ||
             strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n))
            objects_err_invalid_string(v, field, "<secret contents redacted>", "illegal base64 data");
    }
    if (total > 1024 * 1024)
        objects_err_too_long(v, "", 1024 * 1024);
}

void objects_validate_config_map(const json_t *object, struct objects_validation *v)
{
    validate_data(object, "data", "binaryData", false, v);
    validate_data(object, "binaryData", NULL, true, v);
}

void objects_validate_secret(const json_t *object, struct objects_validation *v)
{
    validate_data(object, "data", NULL, true, v);
    validate_data(object, "stringData", NULL, false, v);
}
