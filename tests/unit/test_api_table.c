/* Server-side printing (src/api/table.c): the columns kubectl shows, computed as kubectl's printers do. */
#include "api/table.h"
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
