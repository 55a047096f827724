/* The pod phase as the kubelet's getPhase computes it (src/node/phase.c). */
#include "harness.h"
#include "node/phase.h"

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

static const char *phase(const char *pod, const char *statuses, bool terminal)
{
    json_t *p = parse(pod), *s = parse(statuses);
    return node_pod_phase(p, s, terminal); /* the result is a static string; the trees are left to exit */
}

#define SEED_POD                                                                                             \
    "{\"spec\":{\"restartPolicy\":\"Always\","                                                               \
    "\"initContainers\":[{\"name\":\"init\"}],\"containers\":[{\"name\":\"app\"}]}}"
#define NEVER_POD                                                                                            \
    "{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}"
#define SIDECAR_POD                                                                                          \
    "{\"spec\":{\"restartPolicy\":\"Never\",\"initContainers\":[{\"name\":\"log\","                          \
    "\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"app\"}]}}"

TEST(phase_pending_before_any_status)
{
    CHECK_STR_EQ(phase(SEED_POD, "[]", false), "Pending");
}

TEST(phase_pending_while_init_container_runs)
{
    CHECK_STR_EQ(phase(SEED_POD, "[{\"name\":\"init\",\"state\":{\"running\":{}}}]", false), "Pending");
}

TEST(phase_running_once_init_done_and_app_runs)
{
    CHECK_STR_EQ(phase(SEED_POD,
                       "[{\"name\":\"init\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
                       "{\"name\":\"app\",\"state\":{\"running\":{}}}]",
                       false),
                 "Running");
}

TEST(phase_failed_init_with_restart_never_fails_the_pod)
{
    CHECK_STR_EQ(phase("{\"spec\":{\"restartPolicy\":\"Never\",\"initContainers\":[{\"name\":\"i\"}],"
                       "\"containers\":[{\"name\":\"a\"}]}}",
                       "[{\"name\":\"i\",\"state\":{\"terminated\":{\"exitCode\":1}}}]", false),
                 "Failed");
}

TEST(phase_failed_init_with_restart_always_stays_pending)
{
    CHECK_STR_EQ(phase(SEED_POD,
                       "[{\"name\":\"init\",\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},"
                       "\"lastState\":{\"terminated\":{\"exitCode\":1}}}]",
                       false),
                 "Pending");
}

TEST(phase_all_succeeded_with_never_is_succeeded)
{
    CHECK_STR_EQ(phase(NEVER_POD,
                       "[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
                       "{\"name\":\"b\",\"state\":{\"terminated\":{\"exitCode\":0}}}]",
                       false),
                 "Succeeded");
}

TEST(phase_one_failed_with_never_is_failed)
{
    CHECK_STR_EQ(phase(NEVER_POD,
                       "[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
                       "{\"name\":\"b\",\"state\":{\"terminated\":{\"exitCode\":2}}}]",
                       false),
                 "Failed");
}

TEST(phase_some_still_running_is_running)
{
    CHECK_STR_EQ(phase(NEVER_POD,
                       "[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
                       "{\"name\":\"b\",\"state\":{\"running\":{}}}]",
                       false),
                 "Running");
}

TEST(phase_all_exited_with_always_is_running_while_they_restart)
{
    CHECK_STR_EQ(phase(SEED_POD,
                       "[{\"name\":\"init\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
                       "{\"name\":\"app\",\"state\":{\"terminated\":{\"exitCode\":1}}}]",
                       false),
                 "Running");
}

TEST(phase_terminal_pod_with_a_failure_is_failed)
{
    CHECK_STR_EQ(phase(SEED_POD,
                       "[{\"name\":\"init\",\"state\":{\"terminated\":{\"exitCode\":0}}},"
                       "{\"name\":\"app\",\"state\":{\"terminated\":{\"exitCode\":137}}}]",
                       true),
                 "Failed");
}

TEST(phase_sidecar_not_yet_started_keeps_pod_pending)
{
    CHECK_STR_EQ(
        phase(SIDECAR_POD, "[{\"name\":\"log\",\"started\":false,\"state\":{\"running\":{}}}]", false),
        "Pending");
}

TEST(phase_running_sidecar_does_not_keep_a_finished_pod_from_completing)
{
    CHECK_STR_EQ(phase(SIDECAR_POD,
                       "[{\"name\":\"log\",\"started\":true,\"state\":{\"terminated\":{\"exitCode\":143}}},"
                       "{\"name\":\"app\",\"state\":{\"terminated\":{\"exitCode\":0}}}]",
                       false),
                 "Succeeded");
}

TEST(phase_restarting_sidecar_after_app_started_is_not_pending)
{
    CHECK_STR_EQ(phase(SIDECAR_POD,
                       "[{\"name\":\"log\",\"started\":false,\"state\":{\"running\":{}}},"
                       "{\"name\":\"app\",\"state\":{\"running\":{}}}]",
                       false),
                 "Running");
}
