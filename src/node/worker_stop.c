/* Graceful termination as the kubelet does it (pod-lifecycle "Termination of Pods"; KEP-753 for
 * sidecars): the app containers get their stop signal together and the grace period to exit, then
 * SIGKILL; sidecars follow in reverse order of their start with what is left of the period; then the
 * sandbox, the pod's volumes and logs are removed. */
#include "node/worker.h"

#include "base/clock.h"
#include "base/crashpoint.h"
#include "base/log.h"
#include "node/trash.h"
#include "node/volumes.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* A sidecar still gets a moment after the main containers used up the grace period (the kubelet's
 * minimum grace for a container). */
#define MIN_GRACE_MS 2000

static bool running(const struct node_container *c)
{
    return c->exists && json_object_get(c->state, "running") != NULL;
}

static void signal_container(struct node_pod_worker *w, struct node_container *c, int sig)
{
    husk_error err = {0};
    if (runtime_container_kill(w->sandbox, c->name, sig, &err) < 0)
        log_debug("pod %s: signalling %s: %s", w->uid, c->name, err.message);
    husk_crash_point("container-stop");
}

/* Waits until the deadline for every container in the list to exit, then kills what is left. Gives up
 * when the daemon stops: the pod is left as it is, and the next daemon takes the stop up again. */
static void wait_or_kill(struct node_pod_worker *w, struct node_container **list, size_t n,
                         int64_t deadline_ms)
{
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < n; i++) {
            while (running(list[i]) && !node_worker_stopping(w)) {
                struct runtime_container_status st;
                husk_error err = {0};
                int64_t left = deadline_ms - husk_now_ms();
                if (left > 0)
                    runtime_container_wait(w->sandbox, list[i]->name, left < 200 ? (int)left : 200, &st,
                                           &err);
                bool exited = false;
                node_worker_refresh_container(w, list[i], &exited);
                if (left <= 0)
                    break;
            }
        }
        if (node_worker_stopping(w))
            return;
        bool left_running = false;
        for (size_t i = 0; i < n; i++) {
            if (running(list[i])) {
                signal_container(w, list[i], SIGKILL);
                left_running = true;
            }
        }
        if (!left_running)
            return;
        deadline_ms = husk_now_ms() + 10000; /* SIGKILL cannot be ignored; this only bounds a stuck kernel */
    }
}

/* A preStop hook still running at the end of the grace period gets this one extension (the kubelet's
 * minimum grace after a hook). */
#define PRE_STOP_EXTENSION_MS 2000

static void stop_group(struct node_pod_worker *w, struct node_container **list, size_t n, int64_t deadline_ms)
{
    for (size_t i = 0; i < n; i++)
        node_worker_pre_stop(w, list[i], deadline_ms);
    if (husk_now_ms() >= deadline_ms)
        deadline_ms = husk_now_ms() + PRE_STOP_EXTENSION_MS;
    for (size_t i = 0; i < n; i++) {
        node_worker_event(w, list[i], "Normal", "Killing", "Stopping container %s", list[i]->name);
        signal_container(w, list[i], list[i]->stop_signal > 0 ? list[i]->stop_signal : SIGTERM);
    }
    wait_or_kill(w, list, n, deadline_ms);
}

void node_worker_stop_containers(struct node_pod_worker *w, int64_t grace_seconds)
{
    if (w->sandbox == NULL)
        return;
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (c->prepared == NULL)
            continue;
        /* Made ready for a start that will not come (node_worker_prepare_apps). */
        husk_error ignored = {0};
        runtime_container_remove(w->sandbox, c->name, &ignored);
        c->exists = false;
        node_worker_forget_prepared(c);
    }
    int64_t deadline = husk_now_ms() + grace_seconds * 1000;
    struct node_container *apps[w->count ? w->count : 1];
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++)
        if (w->containers[i].kind != NODE_CONTAINER_SIDECAR && running(&w->containers[i]))
            apps[n++] = &w->containers[i];
    stop_group(w, apps, n, deadline);
    for (size_t i = w->count; i-- > 0;) {
        struct node_container *c = &w->containers[i];
        if (c->kind != NODE_CONTAINER_SIDECAR || !running(c))
            continue;
        int64_t sidecar_deadline =
            deadline > husk_now_ms() + MIN_GRACE_MS ? deadline : husk_now_ms() + MIN_GRACE_MS;
        stop_group(w, &c, 1, sidecar_deadline);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (remove(path) < 0 && flag != FTW_DNR)
        log_debug("removing %s: %m", path);
    return 0;
}

/* FTW_PHYS: never follow a symlink a container planted in an emptyDir; FTW_MOUNT: never cross into a
 * mount left behind. */
void node_worker_remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void node_worker_release_sandbox(struct node_pod_worker *w)
{
    /* The addresses go back to the network's pool (also those of an attachment a sandbox lost); the status
     * goes on naming the ones the pod had. */
    json_t *ips = json_incref(w->pod_ips);
    node_worker_detach_network(w);
    json_decref(w->pod_ips);
    w->pod_ips = ips;
    if (w->sandbox == NULL)
        return;
    husk_error err = {0};
    if (runtime_sandbox_stop(w->sandbox, &err) < 0)
        log_warn("pod %s: stopping its sandbox: %s", w->uid, err.message);
    else
        node_trash_put(node_agent_trash(w->agent), w->sandbox->state_dir);
    runtime_sandbox_free(w->sandbox);
    w->sandbox = NULL;
}

void node_worker_teardown(struct node_pod_worker *w)
{
    node_worker_release_sandbox(w);
    husk_crash_point("pod-delete");
    node_volumes_teardown(w->pod, w->pod_dir);
    struct node_trash *trash = node_agent_trash(w->agent);
    node_trash_put(trash, w->pod_dir);
    node_trash_put(trash, w->log_dir);
}
