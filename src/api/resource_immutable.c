/* Fields an update may not change, in the API server's words: the data of ConfigMaps and Secrets marked
 * immutable (ValidateConfigMapUpdate, ValidateSecretUpdate), and the selector of the workload kinds
 * (ValidateDeploymentUpdate and its siblings: apps/v1 selectors are immutable; a Job's selector and pod
 * template too). See resource.h. */
#include "api/resource.h"
#include "api/status.h"
#include "objects/pod.h"
#include "objects/problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends printf-style text to buf. */
static void add(char *buf, size_t size, const char *text)
{
    size_t len = strlen(buf);
    if (len < size)
        snprintf(buf + len, size - len, "%s", text);
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's %#v of a map[string]string: keys sorted, `map[string]string{"a":"1", "b":"2"}`, nil when absent. */
static void go_string_map(const json_t *map, char *buf, size_t size)
{
    if (!json_is_object(map)) {
        add(buf, size, "map[string]string(nil)");
        return;
    }
    const char *keys[64], *key;
    size_t n = 0;
    json_t *value;
    json_object_foreach((json_t *)map, key, value)
    {
        if (n < sizeof keys / sizeof *keys)
            keys[n++] = key;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    add(buf, size, "map[string]string{");
    for (size_t i = 0; i < n; i++) {
        char one[512];
        snprintf(one, sizeof one, "%s\"%s\":\"%s\"", i ? ", " : "", keys[i],
                 json_string_value(json_object_get(map, keys[i]))
                     ? json_string_value(json_object_get(map, keys[i]))
                     : "");
        add(buf, size, one);
    }
    add(buf, size, "}");
}

static void go_requirements(const json_t *list, char *buf, size_t size)
{
    if (!json_is_array(list)) {
        add(buf, size, "[]v1.LabelSelectorRequirement(nil)");
        return;
    }
    add(buf, size, "[]v1.LabelSelectorRequirement{");
    size_t i, j;
    json_t *e, *v;
    json_array_foreach(list, i, e)
    {
        char one[512];
        snprintf(one, sizeof one,
                 "%sv1.LabelSelectorRequirement{Key:\"%s\", Operator:\"%s\", Values:", i ? ", " : "",
                 objects_get_string(e, "key") ? objects_get_string(e, "key") : "",
                 objects_get_string(e, "operator") ? objects_get_string(e, "operator") : "");
        add(buf, size, one);
        if (!json_is_array(json_object_get(e, "values"))) {
            add(buf, size, "[]string(nil)}");
            continue;
        }
        add(buf, size, "[]string{");
        json_array_foreach(json_object_get(e, "values"), j, v)
        {
            snprintf(one, sizeof one, "%s\"%s\"", j ? ", " : "",
                     json_string_value(v) ? json_string_value(v) : "");
            add(buf, size, one);
        }
        add(buf, size, "}}");
    }
    add(buf, size, "}");
}

/* Go's %#v of a *metav1.LabelSelector, as field.Invalid prints the selector it refuses. */
static void go_label_selector(const json_t *selector, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!json_is_object(selector)) {
        add(buf, size, "null");
        return;
    }
    add(buf, size, "v1.LabelSelector{MatchLabels:");
    go_string_map(json_object_get(selector, "matchLabels"), buf, size);
    add(buf, size, ", MatchExpressions:");
    go_requirements(json_object_get(selector, "matchExpressions"), buf, size);
    add(buf, size, "}");
}

static bool changed(const json_t *a, const json_t *b)
{
    return !(a == NULL && b == NULL) && (a == NULL || b == NULL || !json_equal(a, b));
}

static void check_config_data(const struct api_target *t, const json_t *cur, const json_t *merged,
                              struct objects_problems *problems)
{
    bool secret = strcmp(t->resource, "secrets") == 0;
    if ((!secret && strcmp(t->resource, "configmaps") != 0) ||
        !json_is_true(json_object_get(cur, "immutable")))
        return;
    const char *fields[] = {"immutable", "data", secret ? "type" : "binaryData"};
    for (size_t i = 0; i < 3; i++)
        if (changed(json_object_get(cur, fields[i]), json_object_get(merged, fields[i])))
            objects_problems_add(problems, OBJECTS_SEVERITY_ERROR, fields[i], 0, 0,
                                 "%s: Forbidden: field is immutable when `immutable` is set", fields[i]);
}

static void check_workload(const struct api_target *t, const json_t *cur, const json_t *merged,
                           struct objects_problems *problems)
{
    const char *group = t->kind->group;
    bool job = strcmp(group, "batch") == 0 && strcmp(t->kind->kind, "Job") == 0;
    if (strcmp(group, "apps") != 0 && !job)
        return;
    const json_t *old_spec = objects_get_object(cur, "spec"), *new_spec = objects_get_object(merged, "spec");
    const json_t *selector = json_object_get(new_spec, "selector");
    if (changed(json_object_get(old_spec, "selector"), selector)) {
        char shown[2048];
        go_label_selector(selector, shown, sizeof shown);
        objects_problems_add(problems, OBJECTS_SEVERITY_ERROR, "spec.selector", 0, 0,
                             "spec.selector: Invalid value: %s: field is immutable", shown);
    }
    if (job && changed(json_object_get(old_spec, "template"), json_object_get(new_spec, "template")))
        objects_problems_add(problems, OBJECTS_SEVERITY_ERROR, "spec.template", 0, 0,
                             "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable");
}

bool api_update_immutable_violated(const struct api_target *t, const json_t *cur, const json_t *merged,
                                   struct api_response *resp)
{
    if (t->subresource != NULL)
        return false;
    struct objects_problems problems = {0};
    check_config_data(t, cur, merged, &problems);
    check_workload(t, cur, merged, &problems);
    bool violated = problems.errors > 0;
    if (violated)
        api_reply_status(resp, api_status_invalid(t->kind->kind, t->kind->group, t->name, &problems));
    objects_problems_free(&problems);
    return violated;
}
