/* Probes and lifecycle hooks of a pod worker, as the kubelet runs them (concepts/workloads/pods/
 * pod-lifecycle#container-probes, container-lifecycle-hooks): a startup probe holds the others off until
 * it passes; liveness failures past the threshold restart the container; readiness sets its ready flag.
 * Probes run on the worker's thread, each bounded by its timeoutSeconds (exec handlers excepted: the
 * runtime's exec has no timeout yet). */
#include "node/worker.h"
#include "base/clock.h"

#include "node/action.h"
#include "objects/pod.h"

#include <signal.h>
#include <string.h>

static const char *const probe_fields[NODE_PROBE_KINDS] = {"startupProbe", "livenessProbe", "readinessProbe"};
static const char *const probe_names[NODE_PROBE_KINDS] = {"Startup", "Liveness", "Readiness"};

static int64_t field(const json_t *probe, const char *name, int64_t fallback)
{
    int64_t v;
    return objects_get_int(probe, name, &v) && v > 0 ? v : fallback;
}

void node_worker_probes_reset(struct node_container *c)
{
    int64_t now = husk_now_ms();
    for (int k = 0; k < NODE_PROBE_KINDS; k++) {
        json_t *probe = objects_get_object(c->spec, probe_fields[k]);
        c->probes[k] =
            (struct node_probe_state){.next_ms = now + field(probe, "initialDelaySeconds", 0) * 1000};
    }
    c->started = objects_get_object(c->spec, "startupProbe") == NULL;
    c->ready = c->started && objects_get_object(c->spec, "readinessProbe") == NULL;
    c->kill_deadline_ms = 0;
}

/* The stop signal now, SIGKILL at the end of the grace period; the exit is noticed as any other. */
static void kill_for_restart(struct node_pod_worker *w, struct node_container *c, const json_t *probe)
{
    int64_t grace = 30;
    objects_get_int(objects_pod_spec(w->pod), "terminationGracePeriodSeconds", &grace);
    objects_get_int(probe, "terminationGracePeriodSeconds", &grace);
    husk_error err = {0};
    runtime_container_kill(w->sandbox, c->name, c->stop_signal > 0 ? c->stop_signal : SIGTERM, &err);
    c->kill_deadline_ms = husk_now_ms() + grace * 1000;
    c->ready = false;
}

static void run_probe(struct node_pod_worker *w, struct node_container *c, int k)
{
    json_t *probe = objects_get_object(c->spec, probe_fields[k]);
    struct node_probe_state *p = &c->probes[k];
    char message[1024];
    bool ok = node_action_run(w->sandbox, c->spec, probe, (int)field(probe, "timeoutSeconds", 1), message,
                              sizeof message);
    p->next_ms = husk_now_ms() + field(probe, "periodSeconds", 10) * 1000;
    if (ok) {
        p->failures = 0;
        if (++p->successes < field(probe, "successThreshold", 1))
            return;
        if (k == NODE_PROBE_STARTUP)
            c->started = true, c->ready = objects_get_object(c->spec, "readinessProbe") == NULL;
        if (k == NODE_PROBE_READINESS)
            c->ready = true;
        return;
    }
    p->successes = 0;
    p->failures++;
    node_worker_event(w, c, "Warning", "Unhealthy", "%s probe failed: %s", probe_names[k], message);
    if (p->failures < field(probe, "failureThreshold", 3))
        return;
    if (k == NODE_PROBE_READINESS) {
        c->ready = false;
        return;
    }
    node_worker_event(w, c, "Normal", "Killing", "Container %s failed %s probe, will be restarted", c->name,
                      k == NODE_PROBE_STARTUP ? "startup" : "liveness");
    kill_for_restart(w, c, probe);
    p->failures = 0;
}

static int64_t min_positive(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int64_t node_worker_run_probes(struct node_pod_worker *w)
{
    int64_t wait = -1;
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (!c->exists || json_object_get(c->state, "running") == NULL)
            continue;
        if (c->kill_deadline_ms > 0) {
            husk_error err = {0};
            if (husk_now_ms() >= c->kill_deadline_ms)
                runtime_container_kill(w->sandbox, c->name, SIGKILL, &err);
            wait = min_positive(
                wait, c->kill_deadline_ms - husk_now_ms() > 0 ? c->kill_deadline_ms - husk_now_ms() : 500);
            continue;
        }
        for (int k = 0; k < NODE_PROBE_KINDS; k++) {
            if (objects_get_object(c->spec, probe_fields[k]) == NULL)
                continue;
            /* Until the startup probe passes, it alone runs. */
            if (k != NODE_PROBE_STARTUP && !c->started)
                continue;
            if (k == NODE_PROBE_STARTUP && c->started)
                continue;
            if (husk_now_ms() >= c->probes[k].next_ms)
                run_probe(w, c, k);
            if (c->kill_deadline_ms > 0)
                break;
            int64_t left = c->probes[k].next_ms - husk_now_ms();
            wait = min_positive(wait, left > 0 ? left : 1);
        }
    }
    return wait;
}

bool node_worker_post_start(struct node_pod_worker *w, struct node_container *c)
{
    json_t *handler = objects_get_object(objects_get_object(c->spec, "lifecycle"), "postStart");
    if (handler == NULL)
        return true;
    char message[1024];
    int64_t grace = 30;
    objects_get_int(objects_pod_spec(w->pod), "terminationGracePeriodSeconds", &grace);
    if (node_action_run(w->sandbox, c->spec, handler, (int)grace, message, sizeof message))
        return true;
    node_worker_event(w, c, "Warning", "FailedPostStartHook", "PostStartHookError: %s", message);
    kill_for_restart(w, c, NULL);
    return false;
}

void node_worker_pre_stop(struct node_pod_worker *w, struct node_container *c, int64_t deadline_ms)
{
    json_t *handler = objects_get_object(objects_get_object(c->spec, "lifecycle"), "preStop");
    if (handler == NULL)
        return;
    int64_t left = (deadline_ms - husk_now_ms()) / 1000;
    char message[1024];
    if (!node_action_run(w->sandbox, c->spec, handler, left > 0 ? (int)left : 1, message, sizeof message))
        node_worker_event(w, c, "Warning", "FailedPreStopHook", "PreStopHook failed: %s", message);
}
