/* Server-side printing of the workload kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
 * CronJob), ConfigMaps and Secrets: the columns and cells of kubectl 1.32's printers
 * (pkg/printers/internalversion/printers.go: printDeployment, printReplicaSet, printStatefulSet,
 * printDaemonSet, printJob, printCronJob, printConfigMap, printSecret). See table_internal.h. */
#include "api/table_internal.h"
#include "objects/pod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTAINERS_COLUMN                                                                                    \
    {                                                                                                        \
        "Containers", "string", 1, "Names of each container in the template."                                \
    }
#define IMAGES_COLUMN                                                                                        \
    {                                                                                                        \
        "Images", "string", 1, "Images referenced by each container in the template."                        \
    }
#define SELECTOR_COLUMN                                                                                      \
    {                                                                                                        \
        "Selector", "string", 1,                                                                             \
            "A label query over pods that should match the replica count. More info: "                       \
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"      \
    }
#define NAME_COLUMN                                                                                          \
    {                                                                                                        \
        "Name", "string", 0, API_TABLE_NAME_DESCRIPTION                                                      \
    }
#define AGE_COLUMN                                                                                           \
    {                                                                                                        \
        "Age", "string", 0, API_TABLE_AGE_DESCRIPTION                                                        \
    }
#define COLUMNS_END                                                                                          \
    {                                                                                                        \
        NULL, NULL, 0, NULL                                                                                  \
    }

static json_int_t int_at(const json_t *obj, const char *a, const char *b)
{
    return json_integer_value(json_object_get(objects_get_object(obj, a), b));
}

static const char *meta_string(const json_t *obj, const char *key)
{
    return objects_get_string(objects_get_object(obj, "metadata"), key);
}

static json_t *age(const json_t *obj, time_t now)
{
    return api_table_age_cell(meta_string(obj, "creationTimestamp"), now);
}

/* Appends text to buf, after a comma unless buf is empty. */
static void append(char *buf, size_t size, const char *text)
{
    size_t len = strlen(buf);
    if (len < size)
        snprintf(buf + len, size - len, "%s%s", len ? "," : "", text ? text : "");
}

/* The CONTAINERS and IMAGES cells: each container's name and image, comma-separated. */
static void containers(const json_t *pod_spec, char *names, char *images, size_t size)
{
    names[0] = images[0] = '\0';
    size_t i;
    json_t *c;
    json_array_foreach(objects_get_array(pod_spec, "containers"), i, c)
    {
        append(names, size, objects_get_string(c, "name"));
        append(images, size, objects_get_string(c, "image"));
    }
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void expression(char *buf, size_t size, const json_t *e)
{
    const char *key = objects_get_string(e, "key"), *op = objects_get_string(e, "operator");
    char values[512] = "";
    size_t i;
    json_t *v;
    json_array_foreach(objects_get_array(e, "values"), i, v)
    {
        append(values, sizeof values, json_string_value(v));
    }
    char one[768];
    if (op != NULL && strcmp(op, "Exists") == 0)
        snprintf(one, sizeof one, "%s", key ? key : "");
    else if (op != NULL && strcmp(op, "DoesNotExist") == 0)
        snprintf(one, sizeof one, "!%s", key ? key : "");
    else
        snprintf(one, sizeof one, "%s %s (%s)", key ? key : "",
                 op != NULL && strcmp(op, "NotIn") == 0 ? "notin" : "in", values);
    append(buf, size, one);
}

/* metav1.FormatLabelSelector: "app=web,tier in (a,b)", "<none>" for an empty or missing selector. */
void api_table_format_selector(const json_t *selector, char *buf, size_t size)
{
    buf[0] = '\0';
    const json_t *labels = objects_get_object(selector, "matchLabels");
    const char *keys[64];
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)labels, key, value)
    {
        if (n < sizeof keys / sizeof *keys)
            keys[n++] = key;
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    for (size_t i = 0; i < n; i++) {
        char one[512];
        snprintf(one, sizeof one, "%s=%s", keys[i], json_string_value(json_object_get(labels, keys[i])));
        append(buf, size, one);
    }
    size_t i;
    json_t *e;
    json_array_foreach(objects_get_array(selector, "matchExpressions"), i, e)
    {
        expression(buf, size, e);
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "<none>");
}

/* The wide cells of a kind with a pod template: CONTAINERS, IMAGES and (unless selector is NULL) SELECTOR,
 * appended to row. */
static json_t *with_template(json_t *row, const json_t *template_spec, const json_t *selector, bool sel)
{
    char names[2048], images[2048];
    containers(template_spec, names, images, sizeof names);
    json_array_append_new(row, json_string(names));
    json_array_append_new(row, json_string(images));
    if (sel) {
        char selector_text[1024];
        api_table_format_selector(selector, selector_text, sizeof selector_text);
        json_array_append_new(row, json_string(selector_text));
    }
    return row;
}

static const json_t *template_spec(const json_t *obj)
{
    return objects_get_object(objects_get_object(objects_get_object(obj, "spec"), "template"), "spec");
}

static json_t *deployment_cells(const json_t *obj, time_t now)
{
    char ready[64];
    snprintf(ready, sizeof ready, "%lld/%lld", (long long)int_at(obj, "status", "readyReplicas"),
             (long long)int_at(obj, "spec", "replicas"));
    json_t *row =
        json_pack("[s,s,I,I,o]", objects_meta_name(obj), ready, int_at(obj, "status", "updatedReplicas"),
                  int_at(obj, "status", "availableReplicas"), age(obj, now));
    return with_template(row, template_spec(obj),
                         objects_get_object(objects_get_object(obj, "spec"), "selector"), true);
}

static json_t *replica_set_cells(const json_t *obj, time_t now)
{
    json_t *row =
        json_pack("[s,I,I,I,o]", objects_meta_name(obj), int_at(obj, "spec", "replicas"),
                  int_at(obj, "status", "replicas"), int_at(obj, "status", "readyReplicas"), age(obj, now));
    return with_template(row, template_spec(obj),
                         objects_get_object(objects_get_object(obj, "spec"), "selector"), true);
}

static json_t *stateful_set_cells(const json_t *obj, time_t now)
{
    char ready[64];
    snprintf(ready, sizeof ready, "%lld/%lld", (long long)int_at(obj, "status", "readyReplicas"),
             (long long)int_at(obj, "spec", "replicas"));
    json_t *row = json_pack("[s,s,o]", objects_meta_name(obj), ready, age(obj, now));
    return with_template(row, template_spec(obj), NULL, false);
}

/* labels.FormatLabels of the template's nodeSelector: "k=v,k2=v2" sorted, "<none>" when empty. */
static json_t *node_selector_cell(const json_t *pod_spec)
{
    char buf[1024];
    json_t *selector = json_pack("{s:O?}", "matchLabels", objects_get_object(pod_spec, "nodeSelector"));
    api_table_format_selector(selector, buf, sizeof buf);
    json_decref(selector);
    return json_string(buf);
}

static json_t *daemon_set_cells(const json_t *obj, time_t now)
{
    json_t *row = json_pack(
        "[s,I,I,I,I,I,o,o]", objects_meta_name(obj), int_at(obj, "status", "desiredNumberScheduled"),
        int_at(obj, "status", "currentNumberScheduled"), int_at(obj, "status", "numberReady"),
        int_at(obj, "status", "updatedNumberScheduled"), int_at(obj, "status", "numberAvailable"),
        node_selector_cell(template_spec(obj)), age(obj, now));
    return with_template(row, template_spec(obj),
                         objects_get_object(objects_get_object(obj, "spec"), "selector"), true);
}

static bool condition_true(const json_t *obj, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(objects_get_array(objects_get_object(obj, "status"), "conditions"), i, c)
    {
        const char *t = objects_get_string(c, "type"), *s = objects_get_string(c, "status");
        if (t != NULL && s != NULL && strcmp(t, type) == 0 && strcmp(s, "True") == 0)
            return true;
    }
    return false;
}

/* printJob's STATUS: what the Job came to, else Running. */
static const char *job_status(const json_t *job)
{
    if (condition_true(job, "Complete"))
        return "Complete";
    if (condition_true(job, "Failed"))
        return "Failed";
    if (meta_string(job, "deletionTimestamp") != NULL)
        return "Terminating";
    static const char *const others[] = {"Suspended", "FailureTarget", "SuccessCriteriaMet"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        if (condition_true(job, others[i]))
            return others[i];
    return "Running";
}

/* printJob's COMPLETIONS: "succeeded/completions", or "succeeded/1 of parallelism" without completions. */
static void job_completions(const json_t *job, char *buf, size_t size)
{
    const json_t *spec = objects_get_object(job, "spec");
    long long succeeded = (long long)int_at(job, "status", "succeeded");
    if (json_is_integer(json_object_get(spec, "completions")))
        snprintf(buf, size, "%lld/%lld", succeeded, (long long)int_at(job, "spec", "completions"));
    else if (int_at(job, "spec", "parallelism") > 1)
        snprintf(buf, size, "%lld/1 of %lld", succeeded, (long long)int_at(job, "spec", "parallelism"));
    else
        snprintf(buf, size, "%lld/1", succeeded);
}

static json_t *job_cells(const json_t *obj, time_t now)
{
    char completions[64], duration[32] = "";
    job_completions(obj, completions, sizeof completions);
    const json_t *status = objects_get_object(obj, "status");
    long started = api_table_seconds_since(objects_get_string(status, "startTime"), now);
    long finished = api_table_seconds_since(objects_get_string(status, "completionTime"), now);
    if (objects_get_string(status, "startTime") != NULL &&
        objects_get_string(status, "completionTime") == NULL)
        api_human_duration(duration, sizeof duration, started);
    else if (objects_get_string(status, "startTime") != NULL)
        api_human_duration(duration, sizeof duration, started - finished);
    json_t *row = json_pack("[s,s,s,s,o]", objects_meta_name(obj), job_status(obj), completions, duration,
                            age(obj, now));
    return with_template(row, template_spec(obj),
                         objects_get_object(objects_get_object(obj, "spec"), "selector"), true);
}

static json_t *cron_job_cells(const json_t *obj, time_t now)
{
    const json_t *spec = objects_get_object(obj, "spec"), *status = objects_get_object(obj, "status");
    const json_t *suspend = json_object_get(spec, "suspend");
    const char *zone = objects_get_string(spec, "timeZone"),
               *last = objects_get_string(status, "lastScheduleTime");
    json_t *row =
        json_pack("[s,s,s,s,I,o,o]", objects_meta_name(obj),
                  objects_get_string(spec, "schedule") ? objects_get_string(spec, "schedule") : "",
                  zone ? zone : "<none>",
                  json_is_boolean(suspend) ? (json_is_true(suspend) ? "True" : "False") : "<unset>",
                  (json_int_t)json_array_size(objects_get_array(status, "active")),
                  last != NULL ? api_table_age_cell(last, now) : json_string("<none>"), age(obj, now));
    const json_t *job_template = objects_get_object(spec, "jobTemplate");
    return with_template(row, template_spec(job_template),
                         objects_get_object(objects_get_object(job_template, "spec"), "selector"), true);
}

static json_t *config_map_cells(const json_t *obj, time_t now)
{
    size_t n = json_object_size(objects_get_object(obj, "data")) +
               json_object_size(objects_get_object(obj, "binaryData"));
    return json_pack("[s,I,o]", objects_meta_name(obj), (json_int_t)n, age(obj, now));
}

static json_t *secret_cells(const json_t *obj, time_t now)
{
    const char *type = objects_get_string(obj, "type");
    return json_pack("[s,s,I,o]", objects_meta_name(obj), type ? type : "",
                     (json_int_t)json_object_size(objects_get_object(obj, "data")), age(obj, now));
}

static const struct api_table_column deployment_columns[] = {
    NAME_COLUMN,
    {"Ready", "string", 0, "Number of the pod with ready state"},
    {"Up-to-date", "integer", 0,
     "Total number of non-terminated pods targeted by this deployment that have the desired template spec."},
    {"Available", "integer", 0,
     "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."},
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    {"Selector", "string", 1,
     "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones "
     "affected by this deployment."},
    COLUMNS_END,
};

static const struct api_table_column replica_set_columns[] = {
    NAME_COLUMN,
    {"Desired", "integer", 0, "Replicas is the number of desired pods."},
    {"Current", "integer", 0, "Replicas is the most recently observed number of replicas."},
    {"Ready", "integer", 0,
     "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition."},
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
    COLUMNS_END,
};

static const struct api_table_column stateful_set_columns[] = {
    NAME_COLUMN,   {"Ready", "string", 0, "Number of the pod with ready state"},
    AGE_COLUMN,    CONTAINERS_COLUMN,
    IMAGES_COLUMN, COLUMNS_END,
};

static const struct api_table_column daemon_set_columns[] = {
    NAME_COLUMN,
    {"Desired", "integer", 0,
     "The total number of nodes that should be running the daemon pod (including nodes correctly running the "
     "daemon pod)."},
    {"Current", "integer", 0,
     "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."},
    {"Ready", "integer", 0,
     "numberReady is the number of nodes that should be running the daemon pod and have one or more of the "
     "daemon pod running with a Ready Condition."},
    {"Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod"},
    {"Available", "integer", 0,
     "The number of nodes that should be running the daemon pod and have one or more of the daemon pod "
     "running and available (ready for at least spec.minReadySeconds)"},
    {"Node Selector", "string", 0,
     "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match "
     "a node's labels for the pod to be scheduled on that node."},
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
    COLUMNS_END,
};

static const struct api_table_column job_columns[] = {
    NAME_COLUMN,
    {"Status", "string", 0, "Status of the job."},
    {"Completions", "string", 0, "The completion status of the job."},
    {"Duration", "string", 0, "Time required to complete the job."},
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
    COLUMNS_END,
};

static const struct api_table_column cron_job_columns[] = {
    NAME_COLUMN,
    {"Schedule", "string", 0, "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."},
    {"Timezone", "string", 0,
     "The time zone name for the given schedule, see "
     "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."},
    {"Suspend", "boolean", 0,
     "This flag tells the controller to suspend subsequent executions, it does not apply to already started "
     "executions."},
    {"Active", "integer", 0, "A list of pointers to currently running jobs."},
    {"Last Schedule", "string", 0, "Information when was the last time the job was successfully scheduled."},
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
    COLUMNS_END,
};

static const struct api_table_column config_map_columns[] = {
    NAME_COLUMN,
    {"Data", "string", 0, "Data contains the configuration data."},
    AGE_COLUMN,
    COLUMNS_END,
};

static const struct api_table_column secret_columns[] = {
    NAME_COLUMN,
    {"Type", "string", 0, "Used to facilitate programmatic handling of secret data."},
    {"Data", "string", 0, "Data contains the secret data."},
    AGE_COLUMN,
    COLUMNS_END,
};

static const struct api_table_printer printers[] = {
    {"apps", "deployments", deployment_columns, deployment_cells},
    {"apps", "replicasets", replica_set_columns, replica_set_cells},
    {"apps", "statefulsets", stateful_set_columns, stateful_set_cells},
    {"apps", "daemonsets", daemon_set_columns, daemon_set_cells},
    {"batch", "jobs", job_columns, job_cells},
    {"batch", "cronjobs", cron_job_columns, cron_job_cells},
    {"", "configmaps", config_map_columns, config_map_cells},
    {"", "secrets", secret_columns, secret_cells},
};

const struct api_table_printer *api_table_workload_printer(const struct objects_kind *kind)
{
    for (size_t i = 0; i < sizeof printers / sizeof *printers; i++)
        if (strcmp(printers[i].group, kind->group) == 0 && strcmp(printers[i].resource, kind->resource) == 0)
            return &printers[i];
    return NULL;
}
