/* Server-side printing (src/api/table.c): the columns kubectl shows, computed as kubectl's printers do. */
#include "api/table_internal.h"
#include "harness.h"

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);
    if (v == NULL) {
        fprintf(stderr, "# bad test JSON: %s\n", error.text);
        _exit(1);
    }
    return v;
}

static const char *cell(const char *resource, const char *obj, size_t column)
{
    const struct objects_kind *kind = objects_kind_find_resource("", "v1", resource);
    json_t *cells = api_table_cells(kind, parse(obj), 1000000000);
    return json_string_value(json_array_get(cells, column)); /* the test process exits soon: no free */
}

#define POD_WITH_SIDECAR                                                                                     \
    "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2001-09-09T01:46:00Z\"},\"spec\":{"               \
    "\"initContainers\":[{\"name\":\"side\",\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"a\"}" \
    "]},"                                                                                                    \
    "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\"}],"     \
    "\"initContainerStatuses\":[{\"name\":\"side\",\"started\":true,\"ready\":true,\"restartCount\":0,"      \
    "\"state\":{\"running\":{}}}],"                                                                          \
    "\"containerStatuses\":[{\"name\":\"a\",\"ready\":false,\"restartCount\":2,\"state\":{\"waiting\":"      \
    "{\"reason\":\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":{\"exitCode\":1,"                      \
    "\"finishedAt\":\"2001-09-09T01:46:10Z\"}}}]}}"

TEST(table_pod_counts_sidecars_shows_waiting_reason_and_last_restart)
{
    CHECK_STR_EQ(cell("pods", POD_WITH_SIDECAR, 0), "p");
    CHECK_STR_EQ(cell("pods", POD_WITH_SIDECAR, 1), "1/2");
    CHECK_STR_EQ(cell("pods", POD_WITH_SIDECAR, 2), "CrashLoopBackOff");
    CHECK_STR_EQ(cell("pods", POD_WITH_SIDECAR, 3), "2 (30s ago)");
    CHECK_STR_EQ(cell("pods", POD_WITH_SIDECAR, 4), "40s");
    CHECK_STR_EQ(cell("pods", POD_WITH_SIDECAR, 5), "<none>");
}

TEST(table_pod_init_progress_and_failure)
{
    const char *waiting =
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":\"i1\"},{\"name\":"
        "\"i2\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
        "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
        "{\"name\":\"i2\",\"state\":{\"running\":{}}}]}}";
    CHECK_STR_EQ(cell("pods", waiting, 2), "Init:1/2");
    const char *failed =
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":\"i1\"}],"
        "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\","
        "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{\"terminated\":{\"exitCode\":3,"
        "\"reason\":\"Error\"}}}]}}";
    CHECK_STR_EQ(cell("pods", failed, 2), "Init:Error");
}

TEST(table_pod_completed_terminating_and_oomkilled)
{
    const char *done =
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{"
        "\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"a\",\"state\":{\"terminated\":{"
        "\"exitCode\":0,\"reason\":\"Completed\"}}}]}}";
    CHECK_STR_EQ(cell("pods", done, 2), "Completed");
    const char *oom =
        "{\"metadata\":{\"name\":\"p\",\"deletionTimestamp\":\"2001-09-09T01:46:00Z\"},\"spec\":{"
        "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":"
        "[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":137,\"reason\":\"OOMKilled\"}}}]}}";
    CHECK_STR_EQ(cell("pods", oom, 2), "Terminating");
}

TEST(table_node_roles_from_labels)
{
    const char *node =
        "{\"metadata\":{\"name\":\"n\",\"labels\":{\"node-role.kubernetes.io/control-plane\":\"\"}},"
        "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}";
    CHECK_STR_EQ(cell("nodes", node, 1), "Ready");
    CHECK_STR_EQ(cell("nodes", node, 2), "control-plane");
}

TEST(table_durations_read_as_kubectl_prints_them)
{
    char buf[32];
    api_human_duration(buf, sizeof buf, 119);
    CHECK_STR_EQ(buf, "119s");
    api_human_duration(buf, sizeof buf, 125);
    CHECK_STR_EQ(buf, "2m5s");
    api_human_duration(buf, sizeof buf, 3 * 3600 + 60);
    CHECK_STR_EQ(buf, "3h1m");
    api_human_duration(buf, sizeof buf, 3 * 86400 + 3600);
    CHECK_STR_EQ(buf, "3d1h");
}

static const char *workload_cell(const char *group, const char *resource, const char *obj, size_t column)
{
    const struct objects_kind *kind = objects_kind_find_resource(group, "v1", resource);
    json_t *cells = api_table_cells(kind, parse(obj), 1000000000);
    json_t *c = json_array_get(cells, column);
    if (json_is_integer(c)) {
        static char number[32];
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(c));
        return number;
    }
    return json_string_value(c);
}

TEST(table_deployment_ready_up_to_date_available_and_wide_cells)
{
    const char *d =
        "{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"2001-09-09T01:45:40Z\"},\"spec\":{"
        "\"replicas\":3,\"selector\":{\"matchLabels\":{\"tier\":\"f\",\"app\":\"web\"}},\"template\":{"
        "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"},{\"name\":\"b\",\"image\":"
        "\"busybox\"}]}}},\"status\":{\"readyReplicas\":2,\"updatedReplicas\":3,"
        "\"availableReplicas\":1}}";
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 1), "2/3");
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 2), "3");
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 3), "1");
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 4), "60s");
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 5), "a,b");
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 6), "nginx,busybox");
    CHECK_STR_EQ(workload_cell("apps", "deployments", d, 7), "app=web,tier=f"); /* keys sorted */
    json_t *columns = api_table_columns(objects_kind_find_resource("apps", "v1", "deployments"));
    CHECK_INT_EQ(json_array_size(columns), 8);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(columns, 2), "name")), "Up-to-date");
    CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(columns, 5), "priority")), 1);
}

TEST(table_selectors_print_as_format_label_selector)
{
    char buf[256];
    api_table_format_selector(NULL, buf, sizeof buf);
    CHECK_STR_EQ(buf, "<none>");
    json_t *sel =
        parse("{\"matchLabels\":{\"a\":\"1\"},\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\","
              "\"values\":[\"x\",\"y\"]},{\"key\":\"u\",\"operator\":\"NotIn\",\"values\":[\"z\"]},"
              "{\"key\":\"v\",\"operator\":\"Exists\"},{\"key\":\"w\",\"operator\":\"DoesNotExist\"}]}");
    api_table_format_selector(sel, buf, sizeof buf);
    CHECK_STR_EQ(buf, "a=1,t in (x,y),u notin (z),v,!w");
}

TEST(table_job_status_completions_and_duration)
{
    const char *running = "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"parallelism\":3},\"status\":{"
                          "\"startTime\":\"2001-09-09T01:45:00Z\",\"succeeded\":1}}";
    CHECK_STR_EQ(workload_cell("batch", "jobs", running, 1), "Running");
    CHECK_STR_EQ(workload_cell("batch", "jobs", running, 2), "1/1 of 3");
    CHECK_STR_EQ(workload_cell("batch", "jobs", running, 3), "100s");
    const char *done = "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"completions\":2},\"status\":{"
                       "\"startTime\":\"2001-09-09T01:40:00Z\",\"completionTime\":\"2001-09-09T01:43:05Z\","
                       "\"succeeded\":2,\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}";
    CHECK_STR_EQ(workload_cell("batch", "jobs", done, 1), "Complete");
    CHECK_STR_EQ(workload_cell("batch", "jobs", done, 2), "2/2");
    CHECK_STR_EQ(workload_cell("batch", "jobs", done, 3), "3m5s");
}

TEST(table_cron_job_config_map_and_secret_cells)
{
    const char *cj = "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"schedule\":\"@hourly\",\"suspend\":true},"
                     "\"status\":{\"active\":[{}],\"lastScheduleTime\":\"2001-09-09T01:46:00Z\"}}";
    CHECK_STR_EQ(workload_cell("batch", "cronjobs", cj, 1), "@hourly");
    CHECK_STR_EQ(workload_cell("batch", "cronjobs", cj, 2), "<none>");
    CHECK_STR_EQ(workload_cell("batch", "cronjobs", cj, 3), "True");
    CHECK_STR_EQ(workload_cell("batch", "cronjobs", cj, 4), "1");
    CHECK_STR_EQ(workload_cell("batch", "cronjobs", cj, 5), "40s");
    const char *cm = "{\"metadata\":{\"name\":\"m\"},\"data\":{\"a\":\"1\"},\"binaryData\":{\"b\":\"AA==\"}}";
    CHECK_STR_EQ(workload_cell("", "configmaps", cm, 1), "2");
    const char *secret =
        "{\"metadata\":{\"name\":\"s\"},\"type\":\"kubernetes.io/tls\",\"data\":{\"a\":\"\"}}";
    CHECK_STR_EQ(workload_cell("", "secrets", secret, 1), "kubernetes.io/tls");
    CHECK_STR_EQ(workload_cell("", "secrets", secret, 2), "1");
}

TEST(table_event_columns_in_kubectl_order)
{
    json_t *columns = api_table_columns(objects_kind_find_resource("", "v1", "events"));
    const char *want[] = {"Last Seen", "Type",    "Reason",     "Object", "Subobject",
                          "Source",    "Message", "First Seen", "Count",  "Name"};
    CHECK_INT_EQ(json_array_size(columns), 10);
    for (size_t i = 0; i < 10; i++)
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(columns, i), "name")), want[i]);
}
