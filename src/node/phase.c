/* See phase.h. The counters mirror getPhase's so that a reader can compare the two line by line. */
#include "node/phase.h"

#include "objects/pod.h"

#include <string.h>

json_t *node_find_status(const json_t *statuses, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(statuses, i, s)
    {
        const char *n = objects_get_string(s, "name");
        if (n != NULL && strcmp(n, name) == 0)
            return s;
    }
    return NULL;
}

struct phase_counts {
    int pending_init, pending_sidecars, failed_init;
    int unknown, running, waiting, stopped, succeeded;
};

static json_t *state_of(const json_t *status, const char *which)
{
    return objects_get_object(objects_get_object(status, "state"), which);
}

static json_t *last_terminated(const json_t *status)
{
    return objects_get_object(objects_get_object(status, "lastState"), "terminated");
}

static int64_t exit_code(const json_t *terminated)
{
    int64_t code = 0;
    objects_get_int(terminated, "exitCode", &code);
    return code;
}

static void count_init(const json_t *container, const json_t *statuses, struct phase_counts *c)
{
    json_t *s = node_find_status(statuses, objects_get_string(container, "name"));
    json_t *terminated = state_of(s, "terminated");
    if (s == NULL || state_of(s, "running") != NULL)
        c->pending_init++;
    else if (terminated != NULL)
        c->failed_init += exit_code(terminated) != 0;
    else if (state_of(s, "waiting") != NULL && last_terminated(s) != NULL)
        c->failed_init += exit_code(last_terminated(s)) != 0;
    else
        c->pending_init++;
}

static void count_sidecar(const json_t *container, const json_t *statuses, struct phase_counts *c)
{
    json_t *s = node_find_status(statuses, objects_get_string(container, "name"));
    bool started = false;
    objects_get_bool(s, "started", &started);
    if (s == NULL) {
        c->unknown++;
    } else if (state_of(s, "running") != NULL) {
        c->pending_sidecars += !started;
        c->running++;
    } else if (state_of(s, "terminated") != NULL) {
        /* A stopped sidecar does not count toward the phase. */
    } else if (state_of(s, "waiting") != NULL) {
        if (last_terminated(s) == NULL) {
            c->pending_sidecars++;
            c->waiting++;
        }
    } else {
        c->pending_sidecars++;
        c->unknown++;
    }
}

static void count_app(const json_t *container, const json_t *statuses, struct phase_counts *c)
{
    json_t *s = node_find_status(statuses, objects_get_string(container, "name"));
    json_t *terminated = state_of(s, "terminated");
    if (s == NULL) {
        c->unknown++;
    } else if (state_of(s, "running") != NULL) {
        c->running++;
    } else if (terminated != NULL) {
        c->stopped++;
        c->succeeded += exit_code(terminated) == 0;
    } else if (state_of(s, "waiting") != NULL) {
        if (last_terminated(s) != NULL)
            c->stopped++;
        else
            c->waiting++;
    } else {
        c->unknown++;
    }
}

static const char *phase_when_all_stopped(const char *restart_policy, const struct phase_counts *c,
                                          bool pod_is_terminal)
{
    if (pod_is_terminal)
        return c->stopped == c->succeeded ? "Succeeded" : "Failed";
    if (strcmp(restart_policy, "Always") == 0)
        return "Running"; /* every container is on its way to a restart */
    if (c->stopped == c->succeeded)
        return "Succeeded";
    if (strcmp(restart_policy, "Never") == 0)
        return "Failed";
    return "Running"; /* OnFailure: the failed ones are restarting */
}

/* Whether a regular container has run: once one has, a restarting sidecar no longer makes the pod Pending. */
static bool any_app_container_started(const json_t *pod, const json_t *statuses)
{
    size_t i;
    json_t *container;
    json_array_foreach(objects_pod_containers(pod), i, container)
    {
        json_t *s = node_find_status(statuses, objects_get_string(container, "name"));
        if (state_of(s, "running") != NULL || state_of(s, "terminated") != NULL)
            return true;
    }
    return false;
}

const char *node_pod_phase(const json_t *pod, const json_t *statuses, bool pod_is_terminal)
{
    struct phase_counts c = {0};
    const char *restart_policy = objects_get_string(objects_pod_spec(pod), "restartPolicy");
    if (restart_policy == NULL)
        restart_policy = "Always";
    size_t i;
    json_t *container;
    json_array_foreach(objects_pod_init_containers(pod), i, container)
    {
        if (objects_container_is_sidecar(container))
            count_sidecar(container, statuses, &c);
        else
            count_init(container, statuses, &c);
    }
    json_array_foreach(objects_pod_containers(pod), i, container)
    {
        count_app(container, statuses, &c);
    }

    if (c.failed_init > 0 && strcmp(restart_policy, "Never") == 0)
        return "Failed";
    if (c.pending_init + c.pending_sidecars > 0 && !any_app_container_started(pod, statuses))
        return "Pending";
    if (c.waiting > 0)
        return "Pending";
    if (c.running > 0 && c.unknown == 0)
        return "Running";
    if (c.running == 0 && c.stopped > 0 && c.unknown == 0)
        return phase_when_all_stopped(restart_policy, &c, pod_is_terminal);
    return "Pending";
}
