/* One sync pass of a pod worker, after the kubelet's SyncPod and computePodActions
 * (pkg/kubelet/kuberuntime/kuberuntime_manager.go): notice exits, restart by policy under back-off, run
 * init containers one at a time and sidecars in order (KEP-753), then the app containers together, and
 * finish the pod when nothing is left to run. */
#include "node/worker.h"

#include "base/clock.h"
#include "base/log.h"
#include "node/limits.h"
#include "node/pod_config.h"
#include "node/volumes.h"
#include "objects/pod.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *restart_policy(const struct node_pod_worker *w)
{
    const char *p = objects_get_string(objects_pod_spec(w->pod), "restartPolicy");
    return p != NULL ? p : "Always";
}

static int64_t exit_code_of(const struct node_container *c)
{
    int64_t code = -1;
    objects_get_int(json_object_get(c->state, "terminated"), "exitCode", &code);
    return code;
}

static bool is_terminated(const struct node_container *c)
{
    return json_object_get(c->state, "terminated") != NULL;
}

static bool is_running(const struct node_container *c)
{
    return json_object_get(c->state, "running") != NULL;
}

/* Whether a container that exited with code is started again: sidecars always; init containers until they
 * succeed unless the pod's policy is Never; app containers by the pod's restartPolicy. */
static bool wants_restart(const struct node_pod_worker *w, const struct node_container *c, int64_t code)
{
    const char *policy = restart_policy(w);
    switch (c->kind) {
    case NODE_CONTAINER_SIDECAR:
        return true;
    case NODE_CONTAINER_INIT:
        return code != 0 && strcmp(policy, "Never") != 0;
    case NODE_CONTAINER_APP:
        return strcmp(policy, "Always") == 0 || (strcmp(policy, "OnFailure") == 0 && code != 0);
    }
    return false;
}

/* A container exited: decide whether and when it starts again. The first crash restarts at once; then
 * the back-off, during which the container shows waiting/CrashLoopBackOff with the exit as lastState. */
static void container_exited(struct node_pod_worker *w, struct node_container *c)
{
    int64_t code = exit_code_of(c);
    c->kill_deadline_ms = 0;
    if (c->kind == NODE_CONTAINER_INIT && code != 0 && strcmp(restart_policy(w), "Never") == 0)
        w->pod_failed = true;
    if (!wants_restart(w, c, code) || w->completed)
        return;
    int64_t delay = node_backoff_on_exit(&c->backoff, husk_now_ms() - c->started_ms);
    c->not_before_ms = husk_now_ms() + delay;
    if (delay > 0) {
        json_decref(c->last_state);
        c->last_state = c->state;
        char message[512];
        snprintf(message, sizeof message, "back-off %llds restarting failed container=%s pod=%s_%s(%s)",
                 (long long)(delay / 1000), c->name, objects_meta_name(w->pod),
                 objects_meta_namespace(w->pod), w->uid);
        c->state = json_pack("{s:{s:s,s:s}}", "waiting", "reason", "CrashLoopBackOff", "message", message);
        node_worker_event(w, c, "Warning", "BackOff",
                          "Back-off restarting failed container %s in pod %s_%s(%s)", c->name,
                          objects_meta_name(w->pod), objects_meta_namespace(w->pod), w->uid);
    }
}

static void refresh_all(struct node_pod_worker *w)
{
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (!c->exists || !is_running(c))
            continue;
        bool exited = false;
        node_worker_refresh_container(w, c, &exited);
        if (exited)
            container_exited(w, c);
    }
}

/* Starts c when its back-off allows; returns the ms to wait otherwise (0 when started or not needed). The
 * last init container (or sidecar) to start has the app containers made ready first, their set-up beside
 * its own on another CPU; they exec once it is done (node_worker_prepare_apps). */
static int64_t start_when_due(struct node_pod_worker *w, struct node_container *c)
{
    int64_t now = husk_now_ms();
    if (c->not_before_ms > now)
        return c->not_before_ms - now;
    if (c->kind != NODE_CONTAINER_APP && c + 1 < w->containers + w->count && c[1].kind == NODE_CONTAINER_APP)
        node_worker_prepare_apps(w);
    node_worker_start_container(w, c);
    return 0;
}

static int64_t min_wait(int64_t a, int64_t b)
{
    if (a <= 0)
        return b;
    if (b <= 0)
        return a;
    return a < b ? a : b;
}

/* Whether the container should be (re)started now: never run, or exited and wanting a restart. */
static bool needs_start(const struct node_pod_worker *w, const struct node_container *c)
{
    if (is_running(c))
        return false;
    if (c->runs == 0)
        return !is_terminated(c) || exit_code_of(c) == -1;
    bool waiting = json_object_get(c->state, "waiting") != NULL;
    if (waiting)
        return true; /* back-off, or a start that failed before running */
    return is_terminated(c) && wants_restart(w, c, exit_code_of(c));
}

/* Runs init containers and sidecars in order; returns true when the pod is initialized. */
static bool sync_init(struct node_pod_worker *w, int64_t *wait)
{
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (c->kind == NODE_CONTAINER_APP)
            break;
        if (c->kind == NODE_CONTAINER_SIDECAR) {
            if (needs_start(w, c))
                *wait = min_wait(*wait, start_when_due(w, c));
            if (!c->started)
                return false; /* the next init container waits for this sidecar to have started */
            continue;
        }
        if (is_terminated(c) && exit_code_of(c) == 0)
            continue;
        if (w->pod_failed)
            return false;
        if (needs_start(w, c))
            *wait = min_wait(*wait, start_when_due(w, c));
        return false;
    }
    return true;
}

static void sync_apps(struct node_pod_worker *w, int64_t *wait)
{
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (c->kind == NODE_CONTAINER_SIDECAR && needs_start(w, c))
            *wait = min_wait(*wait, start_when_due(w, c)); /* sidecars restart whatever the policy */
        if (c->kind == NODE_CONTAINER_APP && needs_start(w, c))
            *wait = min_wait(*wait, start_when_due(w, c));
    }
}

/* Once each app container has been started: the sandbox pool makes its next spare then (after the pod's
 * start, which it would slow). */
static void tell_pool_started(struct node_pod_worker *w)
{
    if (w->apps_started)
        return;
    for (size_t i = 0; i < w->count; i++)
        if (w->containers[i].kind == NODE_CONTAINER_APP && w->containers[i].runs == 0)
            return;
    w->apps_started = true;
    runtime_sandbox_pool_settled(node_agent_sandbox_pool(w->agent));
}

/* Every app container has finished and none will restart: the pod is done; its sidecars are stopped. */
static bool apps_finished(const struct node_pod_worker *w)
{
    bool any = false;
    for (size_t i = 0; i < w->count; i++) {
        const struct node_container *c = &w->containers[i];
        if (c->kind != NODE_CONTAINER_APP)
            continue;
        any = true;
        if (!is_terminated(c) || wants_restart(w, c, exit_code_of(c)))
            return false;
    }
    return any;
}

static bool deadline_exceeded(struct node_pod_worker *w)
{
    int64_t deadline;
    if (!objects_get_int(objects_pod_spec(w->pod), "activeDeadlineSeconds", &deadline))
        return false;
    return husk_now_ms() - w->started_ms >= deadline * 1000;
}

static int64_t deadline_wait(struct node_pod_worker *w)
{
    int64_t deadline;
    if (!objects_get_int(objects_pod_spec(w->pod), "activeDeadlineSeconds", &deadline))
        return -1;
    int64_t left = w->started_ms + deadline * 1000 - husk_now_ms();
    return left > 0 ? left : 1;
}

static void finish(struct node_pod_worker *w, const char *reason, const char *message)
{
    if (reason != NULL && w->terminal_reason == NULL) {
        w->terminal_reason = strdup(reason);
        w->terminal_message = strdup(message);
        node_worker_event(w, NULL, "Normal", reason, "%s", message);
    }
    int64_t grace = 30;
    objects_get_int(objects_pod_spec(w->pod), "terminationGracePeriodSeconds", &grace);
    w->completed = true;
    node_worker_stop_containers(w, grace);
}

static bool ensure_sandbox(struct node_pod_worker *w);

/* How often configMap, secret and downwardAPI volumes are compared with their sources (the kubelet's sync
 * period is a minute plus its cache's TTL; a shorter one costs a few reads). */
#define VOLUME_SYNC_MS 5000

static void sync_volumes(struct node_pod_worker *w)
{
    if (husk_now_ms() - w->volumes_synced_ms < VOLUME_SYNC_MS)
        return;
    w->volumes_synced_ms = husk_now_ms();
    struct node_pod_facts facts = node_worker_facts(w);
    husk_error err = {0};
    if (node_volumes_refresh(w->pod, w->pod_dir, &facts, &err) < 0)
        node_worker_event(w, NULL, "Warning", "FailedMount", "%s", err.message);
}

int64_t node_worker_sync(struct node_pod_worker *w)
{
    if (w->completed || node_worker_evict_if_requested(w))
        return -1;
    if (!ensure_sandbox(w))
        return 2000;
    refresh_all(w);
    sync_volumes(w);
    if (deadline_exceeded(w)) {
        finish(w, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
        return -1;
    }
    int64_t wait = -1;
    if (w->pod_failed) {
        finish(w, NULL, NULL);
        return -1;
    }
    if (sync_init(w, &wait)) {
        sync_apps(w, &wait);
        tell_pool_started(w);
    }
    if (w->pod_failed || apps_finished(w)) {
        finish(w, NULL, NULL);
        return -1;
    }
    int64_t probes = node_worker_run_probes(w);
    return min_wait(min_wait(min_wait(wait, probes > 0 ? probes : -1), deadline_wait(w)), VOLUME_SYNC_MS);
}

static char *read_host_resolv_conf(void)
{
    FILE *f = fopen("/etc/resolv.conf", "re");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 8192);
    if (buf != NULL)
        buf[fread(buf, 1, 8191, f)] = '\0';
    fclose(f);
    return buf;
}

/* A sandbox that lost its network (the daemon stopped while attaching it, or the attach failed) is
 * attached again, until it works. */
static bool ensure_network(struct node_pod_worker *w)
{
    if (!node_worker_network_missing(w))
        return true;
    husk_error err = {0};
    if (node_worker_attach_network(w, &err) == 0)
        return true;
    node_worker_event(w, NULL, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: %s",
                      err.message);
    return false;
}

/* Creates the pod's volumes and sandbox once; a sandbox whose supervisor died is replaced, which restarts
 * the pod: every init container runs again (the kubelet's behaviour when a sandbox is lost). Its running
 * containers died with it, each restarted or not by the pod's policy: a pod none of whose app containers
 * will run again gets no new sandbox (nor does it from the kubelet) and is done. */
static bool ensure_sandbox(struct node_pod_worker *w)
{
    if (w->sandbox != NULL && runtime_sandbox_alive(w->sandbox))
        return ensure_network(w);
    husk_error err = {0};
    if (w->sandbox != NULL) {
        refresh_all(w);
        if (apps_finished(w)) {
            log_warn("pod %s: its sandbox is gone, and with it the containers that ran", w->uid);
            w->completed = true;
            return false;
        }
        log_warn("pod %s: its sandbox is gone; recreating it", w->uid);
        node_worker_detach_network(w);
        runtime_sandbox_remove(w->sandbox, &err);
        runtime_sandbox_free(w->sandbox);
        w->sandbox = NULL;
        for (size_t i = 0; i < w->count; i++) {
            struct node_container *c = &w->containers[i];
            c->exists = false;
            c->started = c->ready = false;
            if (c->kind != NODE_CONTAINER_APP && is_terminated(c) && exit_code_of(c) == 0) {
                json_decref(c->last_state);
                c->last_state = c->state;
                c->state = json_pack("{s:{s:s}}", "waiting", "reason", "PodInitializing");
            }
        }
    }
    if (!node_worker_disk_admits(w))
        return false;
    struct node_pod_facts facts = node_worker_facts(w);
    if (node_volumes_prepare(w->pod, w->pod_dir, &facts, &err) < 0) {
        node_worker_event(w, NULL, "Warning", "FailedMount", "%s", err.message);
        return false;
    }
    struct husk_arena arena = {0};
    struct runtime_sandbox_config config;
    char *resolv = read_host_resolv_conf();
    runtime_sandbox_pool_take_dir(node_agent_sandbox_pool(w->agent), w->log_dir, 0755);
    int r = node_sandbox_config(w->pod, w->pod_dir, w->log_dir, resolv, NULL, &arena, &config, &err);
    config.cgroup_parent = node_agent_config(w->agent)->cgroup_parent;
    config.pool = node_agent_sandbox_pool(w->agent);
    node_limits_apply_to_sandbox(&node_agent_config(w->agent)->limits, &config);
    if (r == 0)
        r = runtime_sandbox_create(&config, &w->sandbox, &err);
    free(resolv);
    husk_arena_free(&arena);
    if (r == 0 && node_worker_attach_network(w, &err) < 0) {
        husk_error ignored = {0};
        runtime_sandbox_remove(w->sandbox, &ignored);
        runtime_sandbox_free(w->sandbox);
        w->sandbox = NULL;
        r = -1;
    }
    if (r < 0) {
        node_worker_event(w, NULL, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: %s",
                          err.message);
        return false;
    }
    return true;
}
