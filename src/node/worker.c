/* A pod worker's life: creation (fresh, or resumed from DATA/pods/UID/worker.json), its thread's loop of
 * sync passes woken by container exits (inotify on the runtime's state files), requests from the agent,
 * and timers; and the persistence that lets the next daemon resume it without restarting containers. */
#include "node/worker.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/stack.h"
#include "node/recover.h"
#include "objects/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

/* How often a worker without an inotify instance reads its containers' state files. */
#define NO_INOTIFY_POLL_MS 100
/* A wait at least this long lets the worker give back its stack first (husk_stack_release_unused). */
#define IDLE_MS 100

char *node_rfc3339_now(void)
{
    char buf[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return strdup(buf);
}

void node_worker_event(struct node_pod_worker *w, const struct node_container *c, const char *type,
                       const char *reason, const char *fmt, ...)
{
    const struct node_agent_hooks *hooks = &node_agent_config(w->agent)->hooks;
    char message[1024], field_path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (c != NULL)
        snprintf(field_path, sizeof field_path, "spec.%s{%s}",
                 c->kind == NODE_CONTAINER_APP ? "containers" : "initContainers", c->name);
    log_debug("pod %s/%s: %s %s", objects_meta_namespace(w->pod), objects_meta_name(w->pod), reason, message);
    if (hooks->pod_event != NULL)
        hooks->pod_event(hooks->data, w->pod, type, reason, c != NULL ? field_path : NULL, message);
}

void node_worker_started_events(struct node_pod_worker *w)
{
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (c->started_event)
            node_worker_event(w, c, "Normal", "Started", "Started container %s", c->name);
        c->started_event = false;
    }
}

void node_worker_wake(struct node_pod_worker *w)
{
    uint64_t one = 1;
    ssize_t ignored = write(w->wake_fd, &one, sizeof one);
    (void)ignored;
}

static void add_containers(struct node_pod_worker *w, json_t *list, bool init)
{
    size_t i;
    json_t *spec;
    json_array_foreach(list, i, spec)
    {
        struct node_container *c = &w->containers[w->count++];
        c->spec = spec;
        c->name = objects_get_string(spec, "name");
        c->kind = !init                                ? NODE_CONTAINER_APP
                  : objects_container_is_sidecar(spec) ? NODE_CONTAINER_SIDECAR
                                                       : NODE_CONTAINER_INIT;
        /* As the kubelet shows them: everything waits on PodInitializing while a pod has init containers. */
        bool initializing = json_array_size(objects_pod_init_containers(w->pod)) > 0;
        c->state = json_pack("{s:{s:s}}", "waiting", "reason",
                             initializing ? "PodInitializing" : "ContainerCreating");
        c->last_state = json_object();
        c->backoff = node_agent_config(w->agent)->backoff;
        c->pull_backoff = node_agent_config(w->agent)->backoff;
        c->watch = -1;
    }
}

/* Points the containers at a (new) pod JSON; their records stay. */
static int set_pod(struct node_pod_worker *w, json_t *pod)
{
    json_t *init = objects_pod_init_containers(pod), *apps = objects_pod_containers(pod);
    size_t n = json_array_size(init) + json_array_size(apps);
    if (w->containers == NULL) {
        w->containers = calloc(n ? n : 1, sizeof *w->containers);
        if (w->containers == NULL)
            return -ENOMEM;
        w->pod = pod;
        add_containers(w, init, true);
        add_containers(w, apps, false);
        return 0;
    }
    /* A pod's containers cannot change once created (the API refuses it); keep the records, follow the
     * new JSON for the fields that may change (images). */
    w->updates++;
    for (size_t i = 0; i < w->count; i++) {
        json_t *list = w->containers[i].kind == NODE_CONTAINER_APP ? apps : init;
        size_t j;
        json_t *spec;
        json_array_foreach(list, j, spec)
        {
            const char *name = objects_get_string(spec, "name");
            if (name != NULL && strcmp(name, w->containers[i].name) == 0) {
                w->containers[i].spec = spec;
                w->containers[i].name = name;
            }
        }
    }
    /* Swapped under the lock: node_agent_pods copies w->pod from another thread under it. */
    pthread_mutex_lock(&w->lock);
    json_t *old = w->pod;
    w->pod = pod;
    pthread_mutex_unlock(&w->lock);
    json_decref(old);
    return 0;
}

static char *dir_of(const char *data_dir, const char *what, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s/%s", data_dir, what, name) < 0)
        return NULL;
    return path;
}

static json_t *container_record(const struct node_container *c)
{
    return json_pack("{s:b,s:i,s:O,s:O,s:b,s:b,s:I,s:s?,s:s?}", "exists", c->exists, "runs", c->runs, "state",
                     c->state, "lastState", c->last_state, "started", c->started, "ready", c->ready,
                     "nextBackoffMs", (json_int_t)c->backoff.next_delay_ms, "imageID", c->image_id, "image",
                     c->image_name);
}

int node_worker_save(struct node_pod_worker *w, husk_error *err)
{
    json_t *containers = json_object();
    for (size_t i = 0; i < w->count; i++)
        json_object_set_new(containers, w->containers[i].name, container_record(&w->containers[i]));
    json_t *record =
        json_pack("{s:i,s:O,s:o,s:s,s:O?,s:b,s:b,s:s?,s:s?}", "formatVersion", NODE_WORKER_RECORD_VERSION,
                  "pod", w->pod, "containers", containers, "startTime", w->start_time, "conditions",
                  w->conditions, "podFailed", w->pod_failed, "completed", w->completed, "terminalReason",
                  w->terminal_reason, "terminalMessage", w->terminal_message);
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/worker.json", w->pod_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* Written whole to a temporary file and renamed, so a crash leaves the old record or the new one. */
    int r = json_dump_file(record, tmp, JSON_COMPACT);
    json_decref(record);
    if (r < 0 || husk_replace_file(tmp, path) < 0)
        return husk_error_set_errno(err, errno ? errno : EIO, "saving %s", path);
    return 0;
}

/* Every field is optional, so that a record of an older format (fewer fields) still resumes the container
 * instead of starting a second instance of it; a container with a state that is not waiting exists. */
static void restore_container(struct node_container *c, json_t *record)
{
    int exists = -1, started = 0, ready = 0, runs = 0;
    json_int_t backoff = 0;
    json_t *state = NULL, *last = NULL;
    const char *image_id = NULL, *image = NULL;
    if (json_unpack(record, "{s?b,s?i,s?o,s?o,s?b,s?b,s?I,s?s,s?s}", "exists", &exists, "runs", &runs,
                    "state", &state, "lastState", &last, "started", &started, "ready", &ready,
                    "nextBackoffMs", &backoff, "imageID", &image_id, "image", &image) < 0)
        return;
    if (exists < 0)
        exists = json_is_object(state) && json_object_get(state, "waiting") == NULL;
    c->exists = exists;
    c->runs = runs;
    if (json_is_object(state)) {
        json_decref(c->state);
        c->state = json_incref(state);
    }
    if (json_is_object(last)) {
        json_decref(c->last_state);
        c->last_state = json_incref(last);
    }
    c->started = started;
    c->ready = ready;
    c->backoff.next_delay_ms = backoff;
    c->image_id = image_id ? strdup(image_id) : NULL;
    c->image_name = image ? strdup(image) : NULL;
    c->started_ms = husk_now_ms();
}

/* Takes up the record a previous daemon left; a missing or unreadable one starts the pod afresh. */
static void restore(struct node_pod_worker *w)
{
    const char *cgroup_parent = node_agent_config(w->agent)->cgroup_parent;
    json_t *record = node_worker_record_load(w->pod_dir);
    if (record == NULL) {
        node_worker_detach_network(w);
        node_sandbox_discard(w->pod_dir, cgroup_parent, w->uid);
        return;
    }
    json_t *containers = json_object_get(record, "containers");
    for (size_t i = 0; i < w->count; i++)
        restore_container(&w->containers[i], json_object_get(containers, w->containers[i].name));
    const char *start = json_string_value(json_object_get(record, "startTime"));
    if (start != NULL) {
        free(w->start_time);
        w->start_time = strdup(start);
    }
    json_t *conditions = json_object_get(record, "conditions");
    if (json_is_array(conditions))
        w->conditions = json_incref(conditions);
    w->pod_failed = json_is_true(json_object_get(record, "podFailed"));
    w->completed = json_is_true(json_object_get(record, "completed"));
    const char *reason = json_string_value(json_object_get(record, "terminalReason"));
    const char *message = json_string_value(json_object_get(record, "terminalMessage"));
    w->terminal_reason = reason ? strdup(reason) : NULL;
    w->terminal_message = message ? strdup(message) : NULL;
    json_decref(record);
    w->sandbox = node_sandbox_reopen(w->pod_dir, cgroup_parent, w->uid);
    node_worker_resume_network(w);
}

static void handle_requests(struct node_pod_worker *w, bool *ret_stop, bool *ret_kill, int64_t *ret_grace)
{
    pthread_mutex_lock(&w->lock);
    json_t *pending = w->pending_pod;
    w->pending_pod = NULL;
    *ret_stop = w->stop_thread;
    *ret_kill = w->kill_requested;
    *ret_grace = w->kill_grace_seconds;
    pthread_mutex_unlock(&w->lock);
    if (pending != NULL)
        set_pod(w, pending);
}

static void drain(int fd)
{
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

static void report(struct node_pod_worker *w)
{
    json_t *status = node_worker_status(w);
    if (status != NULL && (w->last_status == NULL || !json_equal(status, w->last_status))) {
        const struct node_agent_hooks *hooks = &node_agent_config(w->agent)->hooks;
        husk_error err = {0};
        /* The status first: it is queued, and a watch waits for it; the record (a dump of the whole pod and a
         * file write, ~0.3 ms) is for the next daemon, which derives the status again from it. */
        if (hooks->pod_status != NULL)
            hooks->pod_status(hooks->data, w->pod, status);
        if (node_worker_save(w, &err) < 0)
            log_warn("pod %s: %s", w->uid, err.message);
        json_decref(w->last_status);
        w->last_status = status;
    } else {
        json_decref(status);
    }
    node_worker_started_events(w);
}

bool node_worker_stopping(struct node_pod_worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool stopping = w->stop_thread;
    pthread_mutex_unlock(&w->lock);
    return stopping;
}

static void terminate(struct node_pod_worker *w, int64_t grace)
{
    if (grace < 0 && !objects_get_int(objects_pod_spec(w->pod), "terminationGracePeriodSeconds", &grace))
        grace = 30;
    node_worker_stop_containers(w, grace);
    report(w);
    if (node_worker_stopping(w))
        return; /* the daemon stops: the next one finishes this */
    node_worker_teardown(w);
    const struct node_agent_hooks *hooks = &node_agent_config(w->agent)->hooks;
    if (hooks->pod_gone != NULL)
        hooks->pod_gone(hooks->data, w->pod, w->last_status);
    w->gone = true;
}

static void *worker_main(void *arg)
{
    struct node_pod_worker *w = arg;
    for (;;) {
        bool stop, kill;
        int64_t grace;
        handle_requests(w, &stop, &kill, &grace);
        if (stop)
            break;
        if (kill) {
            terminate(w, grace);
            break;
        }
        int64_t next = node_worker_sync(w);
        report(w);
        /* After the record that says it is done: a daemon stopped in between does not start it again. */
        husk_error err = {0};
        if (w->completed && w->sandbox != NULL && node_worker_save(w, &err) == 0) {
            node_worker_release_sandbox(w);
            report(w);
        }
        struct pollfd fds[2] = {{.fd = w->wake_fd, .events = POLLIN},
                                {.fd = w->inotify_fd, .events = POLLIN}};
        /* The timeout is a safety net for a missed notification; exits normally arrive through inotify.
         * Without an inotify instance (see node_worker_new) the state files are polled instead. */
        int most = w->inotify_fd >= 0 ? 2000 : NO_INOTIFY_POLL_MS;
        int timeout = next < 0 || next > most ? most : (int)next;
        /* A worker mostly waits, so the stack its last sync used need not stay resident meanwhile. */
        if (timeout >= IDLE_MS)
            husk_stack_release_unused();
        if (poll(fds, 2, timeout) > 0) {
            drain(w->wake_fd);
            drain(w->inotify_fd);
        }
    }
    if (w->gone)
        node_agent_pod_done(w->agent, w->uid);
    return NULL;
}

int node_worker_new(struct node_agent *agent, const json_t *pod, struct node_pod_worker **ret,
                    husk_error *err)
{
    const struct node_agent_config *config = node_agent_config(agent);
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    if (uid == NULL || uid[0] == '\0' || strchr(uid, '/') != NULL || strcmp(uid, "..") == 0 ||
        strcmp(uid, ".") == 0)
        return husk_error_set(err, EINVAL, "pod %s has no valid metadata.uid", objects_meta_name(pod));
    struct node_pod_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    w->agent = agent;
    w->uid = strdup(uid);
    w->pod_dir = dir_of(config->data_dir, "pods", uid);
    char log_name[1024];
    snprintf(log_name, sizeof log_name, "%s_%s_%s", objects_meta_namespace(pod), objects_meta_name(pod), uid);
    w->log_dir = dir_of(config->data_dir, "logs", log_name);
    w->start_time = node_rfc3339_now();
    w->started_ms = husk_now_ms();
    w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int wake_errno = w->wake_fd < 0 ? errno : 0;
    w->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    /* Instances are counted per user (fs.inotify.max_user_instances, 128 by default) across the host, and
     * each worker has one: past the limit a pod still runs, its exits found by polling. */
    if (w->inotify_fd < 0)
        log_warn("pod %s: no inotify instance (%s; see fs.inotify.max_user_instances): container exits are "
                 "polled every %d ms",
                 objects_meta_name(pod), strerror(errno), NO_INOTIFY_POLL_MS);
    pthread_mutex_init(&w->lock, NULL);
    if (w->uid == NULL || w->pod_dir == NULL || w->log_dir == NULL || w->start_time == NULL ||
        w->wake_fd < 0 || set_pod(w, json_deep_copy(pod)) < 0) {
        node_worker_join_and_free(w);
        if (wake_errno != 0)
            return husk_error_set_errno(err, wake_errno, "setting up the worker of pod %s: eventfd", uid);
        return husk_error_set(err, ENOMEM, "setting up the worker of pod %s", uid);
    }
    runtime_sandbox_pool_take_dir(node_agent_sandbox_pool(agent), w->pod_dir, 0700);
    restore(w);
    /* 1 MiB instead of glibc's 8 MiB: a worker's deepest calls (a store write through SQLite, an HTTPS probe
     * through GnuTLS; pulls run in a child) use well under a quarter of it, and there is one worker per pod.
     */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
    int created = pthread_create(&w->thread, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (created != 0) {
        w->thread = 0;
        node_worker_join_and_free(w);
        return husk_error_set(err, EAGAIN, "starting the worker thread of pod %s", uid);
    }
    *ret = w;
    return 0;
}

void node_worker_join_and_free(struct node_pod_worker *w)
{
    if (w == NULL)
        return;
    if (w->thread != 0) {
        pthread_mutex_lock(&w->lock);
        w->stop_thread = true;
        pthread_mutex_unlock(&w->lock);
        node_worker_wake(w);
        pthread_join(w->thread, NULL);
    }
    for (size_t i = 0; i < w->count; i++) {
        json_decref(w->containers[i].state);
        json_decref(w->containers[i].last_state);
        free(w->containers[i].image_id);
        free(w->containers[i].image_name);
        node_worker_forget_prepared(&w->containers[i]);
    }
    free(w->containers);
    runtime_sandbox_free(w->sandbox);
    json_decref(w->pod_ips);
    json_decref(w->pod);
    json_decref(w->pending_pod);
    json_decref(w->conditions);
    json_decref(w->last_status);
    free(w->uid);
    free(w->pod_dir);
    free(w->log_dir);
    free(w->start_time);
    free(w->terminal_reason);
    free(w->terminal_message);
    free(w->admit_message);
    free(w->evict_message);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    if (w->inotify_fd >= 0)
        close(w->inotify_fd);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
