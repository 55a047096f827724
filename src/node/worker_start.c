/* Starting one container of a pod as the kubelet does (kuberuntime_container.go startContainer): pull its
 * image by the pull policy, build its config, create and start it; and reading back how it ended. Each
 * failure leaves the container waiting with the Kubernetes reason (ErrImagePull, ImagePullBackOff,
 * ErrImageNeverPull, InvalidImageName, CreateContainerConfigError) and an event. */
#include "node/worker.h"

#include "base/arena.h"
#include "base/cleanup.h"
#include "base/clock.h"
#include "base/crashpoint.h"
#include "base/fs.h"
#include "image/pull_process.h"
#include "node/env.h"
#include "node/limits.h"
#include "node/pod_config.h"
#include "node/volumes.h"
#include "objects/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

/* A failed pull or config waits this long before the next try; pulls back off like crashes. */
#define CONFIG_RETRY_MS 2000
/* The kubelet's limits on a termination message (kuberuntime: maxMsgSize, FallbackToLogsOnError tail). */
#define TERMINATION_MESSAGE_MAX 4096
#define FALLBACK_LOG_BYTES      2048
#define FALLBACK_LOG_LINES      80

static char *rfc3339(int64_t ns)
{
    char buf[32];
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return strdup(buf);
}

static void set_waiting(struct node_container *c, const char *reason, const char *message)
{
    json_decref(c->state);
    c->state = json_pack("{s:{s:s,s:s?}}", "waiting", "reason", reason, "message", message);
}

static void pull_failed(struct node_pod_worker *w, struct node_container *c, const char *image, int rc,
                        const char *message)
{
    const char *reason = image_failure_reason(rc);
    bool again = c->pull_backoff.next_delay_ms > 0 && strcmp(reason, "ErrImagePull") == 0;
    int64_t delay = node_backoff_on_exit(&c->pull_backoff, 0);
    c->not_before_ms = husk_now_ms() + (delay > 0 ? delay : CONFIG_RETRY_MS);
    if (again) {
        char text[512];
        snprintf(text, sizeof text, "Back-off pulling image \"%s\"", image);
        set_waiting(c, "ImagePullBackOff", text);
        node_worker_event(w, c, "Normal", "BackOff", "%s", text);
        return;
    }
    set_waiting(c, reason, message);
    node_worker_event(w, c, "Warning", "Failed", "Failed to pull image \"%s\": %s", image, message);
    node_worker_event(w, c, "Warning", "Failed", "Error: %s", reason);
}

/* Adds the registries of one pull secret (kubernetes.io/dockerconfigjson, or the older dockercfg) to auths.
 */
static void add_pull_secret(json_t *auths, const json_t *secret, struct husk_arena *arena)
{
    const json_t *data = objects_get_object(secret, "data");
    const char *config = objects_get_string(data, ".dockerconfigjson");
    const char *legacy = objects_get_string(data, ".dockercfg");
    const char *text = node_secret_value(config ? config : legacy ? legacy : "", arena);
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
    json_t *entries = config ? json_object_get(doc, "auths") : doc;
    const char *host;
    json_t *entry;
    json_object_foreach(entries, host, entry)
    {
        json_object_set(auths, host, entry);
    }
    json_decref(doc);
}

/* The pod's imagePullSecrets as a Docker config.json (POD_DIR/pull-auth.json, root only) for the pull;
 * NULL when the pod names none. A secret that cannot be found is reported and skipped, as the kubelet
 * does, and the pull goes on without it. */
static char *pull_secrets_authfile(struct node_pod_worker *w, struct node_container *c)
{
    json_t *list = objects_get_array(objects_pod_spec(w->pod), "imagePullSecrets");
    const struct node_agent_hooks *hooks = &node_agent_config(w->agent)->hooks;
    if (json_array_size(list) == 0)
        return NULL;
    json_t *auths = json_object();
    struct husk_arena arena = {0};
    size_t i;
    json_t *ref;
    json_array_foreach(list, i, ref)
    {
        const char *name = objects_get_string(ref, "name");
        json_t *secret = NULL;
        husk_error err = {0};
        if (hooks->lookup == NULL || name == NULL ||
            hooks->lookup(hooks->data, "secrets", objects_meta_namespace(w->pod), name, &secret, &err) < 0 ||
            secret == NULL) {
            node_worker_event(
                w, c, "Warning", "FailedToRetrieveImagePullSecret",
                "Unable to retrieve some image pull secrets (%s); attempting to pull the image may not "
                "succeed.",
                name ? name : "");
            continue;
        }
        add_pull_secret(auths, secret, &arena);
        json_decref(secret);
    }
    husk_arena_free(&arena);
    char *path = NULL;
    json_t *doc = json_pack("{s:o}", "auths", auths);
    if (asprintf(&path, "%s/pull-auth.json", w->pod_dir) < 0)
        path = NULL;
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
    if (fd < 0 || json_dumpfd(doc, fd, JSON_COMPACT) < 0) {
        free(path);
        path = NULL;
    }
    if (fd >= 0)
        close(fd);
    json_decref(doc);
    return path;
}

/* A pull gives up when the pod is being killed or the daemon stops; its child is killed then. */
static bool pull_cancelled(void *data)
{
    struct node_pod_worker *w = data;
    pthread_mutex_lock(&w->lock);
    bool cancelled = w->stop_thread || w->kill_requested;
    pthread_mutex_unlock(&w->lock);
    return cancelled;
}

/* image_ensure in a child process (`husk-image image pull`, image/pull_process.h): the daemon links neither
 * the registry client nor the unpacker. husk-image is $HUSK_IMAGE, else beside the running program. */
static int ensure_in_child(struct node_pod_worker *w, const char *name, enum image_pull_policy policy,
                           const struct image_pull_options *options, struct image **ret, husk_error *err)
{
    const struct node_agent_config *config = node_agent_config(w->agent);
    char program[4096];
    husk_program_path("HUSK_IMAGE", "husk-image", program, sizeof program);
    return image_ensure_in_child(config->images, program, config->data_dir, name, policy, options,
                                 pull_cancelled, w, ret, err);
}

/* The container's imagePullPolicy, or its default for the image's tag. */
static enum image_pull_policy pull_policy(const struct node_container *c)
{
    const char *name = objects_get_string(c->spec, "image");
    const char *text = objects_get_string(c->spec, "imagePullPolicy");
    enum image_pull_policy policy = image_default_pull_policy(name ? name : "");
    if (text != NULL)
        image_pull_policy_parse(text, &policy);
    return policy;
}

/* The image c runs, as its status shows it. */
static void note_image(struct node_container *c, const struct image *img, const char *name)
{
    c->pull_backoff.next_delay_ms = 0;
    free(c->image_id);
    free(c->image_name);
    c->image_id = strdup(img->record.config_digest);
    c->image_name = strdup(img->record.name ? img->record.name : name);
}

/* An image that was here already: its event, and c's image. */
static void image_present(struct node_pod_worker *w, struct node_container *c, const struct image *img,
                          const char *name)
{
    node_worker_event(w, c, "Normal", "Pulled", "Container image \"%s\" already present on machine", name);
    note_image(c, img, name);
}

/* Resolves the container's image by its pull policy; NULL after reporting a failure. */
static struct image *ensure_image(struct node_pod_worker *w, struct node_container *c)
{
    const struct node_agent_config *config = node_agent_config(w->agent);
    const char *name = objects_get_string(c->spec, "image");
    enum image_pull_policy policy = pull_policy(c);
    husk_error err = {0};
    struct image *img = NULL;
    /* An image already here is taken as found: the pull child only runs for one that is not. */
    bool present = policy != IMAGE_PULL_ALWAYS && name != NULL &&
                   image_get_unpacked(config->images, name, &img, &err) == 0;
    if (!present) {
        image_free(img);
        img = NULL;
    }
    if (!present && policy != IMAGE_PULL_NEVER)
        node_worker_event(w, c, "Normal", "Pulling", "Pulling image \"%s\"", name ? name : "");
    int64_t t0 = husk_now_ms();
    struct image_pull_options options =
        config->pull_options ? *config->pull_options : (struct image_pull_options){0};
    char *authfile = policy != IMAGE_PULL_NEVER && !present ? pull_secrets_authfile(w, c) : NULL;
    if (authfile != NULL)
        options.authfile = authfile;
    int rc = present        ? 0
             : name != NULL ? ensure_in_child(w, name, policy, &options, &img, &err)
                            : IMAGE_ERR_INVALID_NAME;
    free(authfile);
    /* A pull given up because the pod is going (or the daemon stops) is no failure to report or back off. */
    if (rc < 0 && pull_cancelled(w))
        return NULL;
    if (rc < 0) {
        pull_failed(w, c, name ? name : "", rc, name ? err.message : "image is empty");
        return NULL;
    }
    if (present) {
        image_present(w, c, img, name);
        return img;
    }
    node_worker_event(w, c, "Normal", "Pulled", "Successfully pulled image \"%s\" in %lldms", name,
                      (long long)(husk_now_ms() - t0));
    note_image(c, img, name);
    return img;
}

/* Static pods cannot use API objects (the API may not even be there): every lookup fails, so the pod
 * shows why on its mirror pod (CreateContainerConfigError, FailedMount). */
static int static_pod_lookup(void *data, const char *resource, const char *ns, const char *name, json_t **ret,
                             husk_error *err)
{
    (void)data;
    (void)ns;
    *ret = NULL;
    return husk_error_set(err, EPERM, "static pods may not reference API objects: %s \"%s\"", resource, name);
}

struct node_pod_facts node_worker_facts(struct node_pod_worker *w)
{
    const struct node_agent_config *config = node_agent_config(w->agent);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const char *source =
        objects_get_string(objects_get_object(objects_get_object(w->pod, "metadata"), "annotations"),
                           "kubernetes.io/config.source");
    bool is_static = source != NULL && strcmp(source, "file") == 0;
    return (struct node_pod_facts){
        .node_name = config->node_name,
        .host_ip = config->host_ip,
        .pod_ip = node_worker_pod_ip(w),
        .node_allocatable_milli_cpu = sysconf(_SC_NPROCESSORS_ONLN) * 1000,
        .node_allocatable_memory = pages > 0 && page > 0 ? (int64_t)pages * page : 0,
        .lookup = is_static ? static_pod_lookup : config->hooks.lookup,
        .lookup_data = config->hooks.data,
    };
}

static int build_config(struct node_pod_worker *w, struct node_container *c, const struct image *img,
                        struct husk_arena *arena, struct runtime_container_config *ret, husk_error *err)
{
    struct node_pod_facts facts = node_worker_facts(w);
    struct node_image_info image = {.layers = (const char *const *)img->layer_dirs, .config = &img->config};
    /* The same path the API's log reader finds (node_pod_log_path), instance N = restart count N. */
    char path[4096];
    if (node_pod_log_path(node_agent_config(w->agent)->data_dir, w->pod, c->name, c->runs, path,
                          sizeof path) < 0)
        return husk_error_set(err, EINVAL, "no safe log path for container %s", c->name);
    char *log = husk_arena_strdup(arena, path);
    if (log == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    *strrchr(path, '/') = '\0';
    if (husk_mkdir_p(path, 0755, err) < 0)
        return -1;
    if (node_container_config(w->pod, c->spec, &image, &facts, w->pod_dir, log, arena, ret, err) < 0)
        return -1;
    node_limits_apply_to_container(&node_agent_config(w->agent)->limits, ret);
    return 0;
}

static void watch_state(struct node_pod_worker *w, struct node_container *c)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/containers/%s", w->sandbox->state_dir, c->name);
    c->watch = inotify_add_watch(w->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE);
}

static void mark_running(struct node_pod_worker *w, struct node_container *c,
                         const struct runtime_container_status *st)
{
    if (c->runs > 0 && json_object_get(c->state, "terminated") != NULL) {
        json_decref(c->last_state);
        c->last_state = json_incref(c->state);
    }
    c->runs++;
    char *at = rfc3339(st->started_at_ns ? st->started_at_ns : (int64_t)time(NULL) * 1000000000);
    json_decref(c->state);
    c->state = json_pack("{s:{s:s}}", "running", "startedAt", at ? at : "");
    free(at);
    c->exists = true;
    c->started_ms = husk_now_ms();
    node_worker_probes_reset(c);
    watch_state(w, c);
    /* An exit before the watch was added (a quick /bin/true) sends no event: one more pass reads it. */
    node_worker_wake(w);
}

static void start_failed(struct node_pod_worker *w, struct node_container *c, const husk_error *err)
{
    c->runs++;
    json_decref(c->state);
    c->state = json_pack("{s:{s:i,s:s,s:s}}", "terminated", "exitCode", 128, "reason", "StartError",
                         "message", err->message);
    c->started_ms = husk_now_ms();
    node_worker_event(w, c, "Warning", "Failed", "Error: %s", err->message);
}

/* Starts the container made (created, or prepared) for this run; frees arena and img. */
static void start_created(struct node_pod_worker *w, struct node_container *c, struct image *img,
                          struct husk_arena *arena)
{
    husk_error err = {0};
    struct runtime_container_status st = {0};
    node_worker_event(w, c, "Normal", "Created", "Created container %s", c->name);
    int r = runtime_container_start(w->sandbox, c->name, &err);
    husk_crash_point("container-start");
    if (r == 0)
        r = runtime_container_status(w->sandbox, c->name, &st, &err);
    husk_arena_free(arena);
    image_free(img);
    if (r < 0) {
        start_failed(w, c, &err);
        return;
    }
    mark_running(w, c, &st);
    /* The event after the status this start changes: one writer writes both, and a status queued behind
     * an event waits for its write (~0.2 ms). A postStart hook's events come after it, as the kubelet's. */
    c->started_event = true;
    if (objects_get_object(objects_get_object(c->spec, "lifecycle"), "postStart") != NULL)
        node_worker_started_events(w);
    node_worker_post_start(w, c);
    /* It may have exited already (a quick /bin/true): the next refresh records that. */
}

void node_worker_forget_prepared(struct node_container *c)
{
    free(c->prepared);
    c->prepared = NULL;
    image_free(c->prepared_image);
    c->prepared_image = NULL;
}

/* Whether the config c was made ready with is the one it would be built with now: nothing it reads has
 * changed (the pod's JSON, with the container's spec, is the same) and it reads nothing from elsewhere
 * (ConfigMaps, Secrets). Otherwise the config is built again and compared. */
static bool prepared_config_holds(const struct node_pod_worker *w, const struct node_container *c)
{
    if (c->prepared == NULL || c->prepared_image == NULL || !c->exists || c->prepared_at != w->updates ||
        json_array_size(objects_get_array(c->spec, "envFrom")) > 0)
        return false;
    size_t i;
    const json_t *var;
    json_array_foreach(objects_get_array(c->spec, "env"), i, var)
    {
        if (json_object_get(var, "valueFrom") != NULL)
            return false;
    }
    return true;
}

void node_worker_start_container(struct node_pod_worker *w, struct node_container *c)
{
    if (prepared_config_holds(w, c)) {
        struct image *img = c->prepared_image;
        c->prepared_image = NULL;
        node_worker_forget_prepared(c);
        image_present(w, c, img, objects_get_string(c->spec, "image"));
        struct husk_arena arena = {0};
        start_created(w, c, img, &arena);
        return;
    }
    struct image *img = ensure_image(w, c);
    if (img == NULL)
        return;
    struct husk_arena arena = {0};
    struct runtime_container_config config = {0};
    husk_error err = {0};
    if (build_config(w, c, img, &arena, &config, &err) < 0) {
        set_waiting(c, "CreateContainerConfigError", err.message);
        c->not_before_ms = husk_now_ms() + CONFIG_RETRY_MS;
        node_worker_event(w, c, "Warning", "Failed", "Error: %s", err.message);
        husk_arena_free(&arena);
        image_free(img);
        return;
    }
    c->stop_signal = config.stop_signal;
    /* Made ready ahead, as it would be made now: it only has to exec (a config that changed meanwhile, a
     * ConfigMap's env say, makes it afresh). */
    char *now = c->prepared != NULL ? runtime_container_config_text(&config) : NULL;
    bool ready = now != NULL && c->exists && strcmp(now, c->prepared) == 0;
    free(now);
    node_worker_forget_prepared(c);
    if (ready) {
        start_created(w, c, img, &arena);
        return;
    }
    if (c->exists) {
        if (c->watch >= 0)
            inotify_rm_watch(w->inotify_fd, c->watch);
        c->watch = -1;
        runtime_container_remove(w->sandbox, c->name, &err);
        c->exists = false;
    }
    if (runtime_container_create(w->sandbox, &config, &err) == 0) {
        c->exists = true;
        start_created(w, c, img, &arena);
        return;
    }
    husk_arena_free(&arena);
    image_free(img);
    start_failed(w, c, &err);
}

/* Whether the app container c can be made ready before the init containers are done: first run, not made
 * yet, its image here and not to be pulled again, and a pod whose containers do not share a PID namespace
 * (where the waiting process would be seen); not with a tty or stdin, which attach may open early. */
static bool preparable(const struct node_pod_worker *w, const struct node_container *c)
{
    const json_t *spec = objects_pod_spec(w->pod);
    bool flag = false;
    if ((objects_get_bool(spec, "shareProcessNamespace", &flag) && flag) ||
        (objects_get_bool(spec, "hostPID", &flag) && flag))
        return false;
    if (c->kind != NODE_CONTAINER_APP || c->exists || c->runs > 0 || c->prepared != NULL)
        return false;
    if ((objects_get_bool(c->spec, "tty", &flag) && flag) ||
        (objects_get_bool(c->spec, "stdin", &flag) && flag))
        return false;
    return objects_get_string(c->spec, "image") != NULL && pull_policy(c) != IMAGE_PULL_ALWAYS;
}

void node_worker_prepare_apps(struct node_pod_worker *w)
{
    const struct node_agent_config *config = node_agent_config(w->agent);
    for (size_t i = 0; i < w->count; i++) {
        struct node_container *c = &w->containers[i];
        if (!preparable(w, c))
            continue;
        struct image *img = NULL;
        husk_error err = {0};
        /* Quietly: the image's events come when the container starts, as they would without this. */
        if (image_get_unpacked(config->images, objects_get_string(c->spec, "image"), &img, &err) < 0) {
            image_free(img);
            continue;
        }
        struct husk_arena arena = {0};
        struct runtime_container_config cc = {0};
        char *text = NULL;
        if (build_config(w, c, img, &arena, &cc, &err) == 0 &&
            (text = runtime_container_config_text(&cc)) != NULL &&
            runtime_container_create(w->sandbox, &cc, &err) == 0) {
            c->exists = true;
            if (runtime_container_prepare(w->sandbox, c->name, &err) == 0) {
                c->prepared = text;
                text = NULL;
                c->prepared_image = img;
                img = NULL;
                c->prepared_at = w->updates;
                c->stop_signal = cc.stop_signal;
            }
        }
        free(text);
        husk_arena_free(&arena);
        image_free(img);
    }
}

/* The termination message: the file at terminationMessagePath, or with FallbackToLogsOnError and an
 * empty file and a failure, the tail of the container's log. */
static char *termination_message(struct node_pod_worker *w, struct node_container *c, int exit_code)
{
    struct husk_arena arena = {0};
    char *path = node_termination_log_path(w->pod_dir, c->name, &arena);
    char buf[TERMINATION_MESSAGE_MAX + 1] = "";
    cleanup_close int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
    husk_arena_free(&arena);
    ssize_t n = fd >= 0 ? read(fd, buf, TERMINATION_MESSAGE_MAX) : 0;
    buf[n > 0 ? n : 0] = '\0';
    const char *policy = objects_get_string(c->spec, "terminationMessagePolicy");
    if (buf[0] != '\0' || exit_code == 0 || policy == NULL || strcmp(policy, "FallbackToLogsOnError") != 0)
        return buf[0] != '\0' ? strdup(buf) : NULL;
    char log[4200];
    if (node_pod_log_path(node_agent_config(w->agent)->data_dir, w->pod, c->name, c->runs - 1, log,
                          sizeof log) < 0)
        return NULL;
    cleanup_fclose FILE *f = fopen(log, "re");
    if (f == NULL)
        return NULL;
    /* Keep the last lines' messages, stripped of the CRI prefix "TIME STREAM TAG ". */
    char *lines[FALLBACK_LOG_LINES] = {0};
    size_t count = 0;
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        char *msg = line;
        for (int field = 0; field < 3 && msg != NULL; field++)
            msg = strchr(msg, ' ') ? strchr(msg, ' ') + 1 : NULL;
        free(lines[count % FALLBACK_LOG_LINES]);
        lines[count++ % FALLBACK_LOG_LINES] = strdup(msg ? msg : line);
    }
    size_t first = count > FALLBACK_LOG_LINES ? count - FALLBACK_LOG_LINES : 0, len = 0;
    char out[FALLBACK_LOG_BYTES * 2 + 1] = "";
    for (size_t i = first; i < count; i++) {
        const char *l = lines[i % FALLBACK_LOG_LINES];
        size_t ll = l ? strlen(l) : 0;
        if (l != NULL && len + ll < sizeof out) {
            memcpy(out + len, l, ll);
            len += ll;
        }
    }
    for (size_t i = 0; i < FALLBACK_LOG_LINES; i++)
        free(lines[i]);
    out[len] = '\0';
    return strdup(len > FALLBACK_LOG_BYTES ? out + len - FALLBACK_LOG_BYTES : out);
}

void node_worker_refresh_container(struct node_pod_worker *w, struct node_container *c, bool *ret_exited)
{
    struct runtime_container_status st = {0};
    husk_error err = {0};
    *ret_exited = false;
    if (runtime_container_status(w->sandbox, c->name, &st, &err) < 0) {
        /* The runtime lost it: the kubelet reports such a container as ContainerStatusUnknown, 137. */
        st.state = RUNTIME_CONTAINER_EXITED;
        st.exit_code = 137;
        snprintf(st.reason, sizeof st.reason, "ContainerStatusUnknown");
        snprintf(st.message, sizeof st.message,
                 "The container could not be located when the pod was terminated");
    }
    if (st.state != RUNTIME_CONTAINER_EXITED)
        return;
    const char *started_at =
        json_string_value(json_object_get(json_object_get(c->state, "running"), "startedAt"));
    char *finished = rfc3339(st.finished_at_ns ? st.finished_at_ns : (int64_t)time(NULL) * 1000000000);
    char *message = termination_message(w, c, st.exit_code);
    if (message == NULL && st.message[0] != '\0')
        message = strdup(st.message);
    const char *reason = st.oom_killed       ? "OOMKilled"
                         : st.reason[0]      ? st.reason
                         : st.exit_code == 0 ? "Completed"
                                             : "Error";
    json_t *terminated = json_pack("{s:i,s:s,s:s?,s:s?,s:s?}", "exitCode", st.exit_code, "reason", reason,
                                   "message", message, "startedAt", started_at, "finishedAt", finished);
    if (st.signal > 0)
        json_object_set_new(terminated, "signal", json_integer(st.signal));
    char id[512];
    snprintf(id, sizeof id, "husk://%s/%s/%d", w->uid, c->name, c->runs);
    json_object_set_new(terminated, "containerID", json_string(id));
    free(finished);
    free(message);
    json_decref(c->state);
    c->state = json_pack("{s:o}", "terminated", terminated);
    c->started = false;
    c->ready = false;
    *ret_exited = true;
}
