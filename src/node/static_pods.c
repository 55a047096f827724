/* See static_pods.h. */
#include "node/static_pods.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "node/worker.h"
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/pod.h"
#include "objects/validate.h"

#include <dirent.h>
#include <errno.h>
#include <nettle/md5.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

/* A manifest larger than the API server's request limit is refused, as any object would be. */
#define MANIFEST_MAX (3 * 1024 * 1024)

struct node_static_pods {
    struct node_agent *agent;
    char *dir, *node_name;
    struct node_static_pods_hooks hooks;
    pthread_t thread;
    int wake_fd, inotify_fd;
    pthread_mutex_t lock;
    bool stop;
    json_t *pods;        /* uid -> pod: handed to the agent */
    json_t *terminating; /* uid -> pod: removed, still stopping */
    json_t *desired;     /* uid -> pod: the manifests as last read */
};

static int read_manifest(const char *path, char **ret, size_t *ret_len, husk_error *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return husk_error_set_errno(err, errno, "%s", path);
    char *buf = malloc(MANIFEST_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, MANIFEST_MAX + 1, f) : 0;
    fclose(f);
    if (buf == NULL)
        return husk_error_set(err, ENOMEM, "out of memory reading %s", path);
    if (n > MANIFEST_MAX) {
        free(buf);
        return husk_error_set(err, EFBIG, "%s: larger than %d bytes", path, MANIFEST_MAX);
    }
    buf[n] = '\0';
    *ret = buf;
    *ret_len = n;
    return 0;
}

/* Static pods cannot use API objects: the kubelet refuses them, since it may run with no API server. */
static const char *api_reference(const json_t *pod)
{
    size_t i, j;
    json_t *v, *c;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), i, v)
    {
        if (json_object_get(v, "configMap") || json_object_get(v, "secret") ||
            json_object_get(v, "projected") || json_object_get(v, "persistentVolumeClaim"))
            return "volumes";
    }
    json_t *lists[] = {objects_pod_containers(pod), objects_pod_init_containers(pod)};
    for (size_t l = 0; l < 2; l++) {
        json_array_foreach(lists[l], i, c)
        {
            if (json_array_size(objects_get_array(c, "envFrom")) > 0)
                return "envFrom";
            json_array_foreach(objects_get_array(c, "env"), j, v)
            {
                json_t *from = objects_get_object(v, "valueFrom");
                if (json_object_get(from, "configMapKeyRef") || json_object_get(from, "secretKeyRef"))
                    return "env";
            }
        }
    }
    return NULL;
}

/* The kubelet's static pod uid: a hash of the pod, the node and the file (config/common.go applyDefaults);
 * md5 there, and here too, since it only names the pod. */
static void static_uid(const json_t *pod, const char *node_name, const char *path, char out[33])
{
    char *text = json_dumps(pod, JSON_COMPACT | JSON_SORT_KEYS);
    struct md5_ctx ctx;
    md5_init(&ctx);
    if (text != NULL)
        md5_update(&ctx, strlen(text), (const uint8_t *)text);
    md5_update(&ctx, 5, (const uint8_t *)"host:");
    md5_update(&ctx, strlen(node_name), (const uint8_t *)node_name);
    md5_update(&ctx, 5, (const uint8_t *)"file:");
    md5_update(&ctx, strlen(path), (const uint8_t *)path);
    uint8_t digest[MD5_DIGEST_SIZE];
    md5_digest(&ctx, sizeof digest, digest);
    free(text);
    husk_hex_encode(digest, sizeof digest, out);
}

static void annotate(json_t *pod, const char *node_name, const char *path)
{
    json_t *meta = objects_get_object(pod, "metadata");
    char uid[33], name[512];
    static_uid(pod, node_name, path, uid);
    snprintf(name, sizeof name, "%s-%s", objects_meta_name(pod), node_name);
    json_object_set_new(meta, "name", json_string(name));
    json_object_set_new(meta, "uid", json_string(uid));
    if (objects_meta_namespace(pod)[0] == '\0')
        json_object_set_new(meta, "namespace", json_string("default"));
    json_t *annotations = objects_get_object(meta, "annotations");
    if (annotations == NULL) {
        annotations = json_object();
        json_object_set_new(meta, "annotations", annotations);
    }
    char *seen = node_rfc3339_now();
    json_object_set_new(annotations, "kubernetes.io/config.hash", json_string(uid));
    json_object_set_new(annotations, "kubernetes.io/config.source", json_string("file"));
    json_object_set_new(annotations, "kubernetes.io/config.seen", json_string(seen ? seen : ""));
    free(seen);
    json_object_set_new(objects_pod_spec(pod), "nodeName", json_string(node_name));
}

int node_static_pod_from_file(const char *path, const char *node_name, json_t **ret, husk_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (read_manifest(path, &data, &len, err) < 0)
        return -1;
    struct objects_document_list docs = {0};
    int r = objects_decode(data, len, path, &docs, err);
    free(data);
    if (r < 0)
        return -1;
    json_t *pod = docs.count == 1 ? json_incref(docs.items[0].object) : NULL;
    const char *kind = pod ? objects_get_string(pod, "kind") : NULL;
    struct objects_problems problems = {0};
    if (pod == NULL || kind == NULL || strcmp(kind, "Pod") != 0) {
        r = husk_error_set(err, EINVAL, "%s: a static pod manifest holds exactly one Pod", path);
    } else if (objects_default(pod, err) < 0) {
        r = husk_error_wrap(err, "%s", path);
    } else if (objects_validate(pod, &docs.items[0].positions, OBJECTS_STRICT_WARN, &problems) < 0) {
        const struct objects_problem *p = objects_problems_first_error(&problems);
        r = husk_error_set(err, EINVAL, "%s:%d:%d: %s", path, p ? p->line : 0, p ? p->column : 0,
                           p ? p->message : "invalid");
    } else if (api_reference(pod) != NULL) {
        /* Still run it, as the kubelet does: it fails to start, and its mirror pod says why. */
        log_warn("%s: static pods may not reference API objects (its %s use a ConfigMap, Secret or "
                 "PersistentVolumeClaim)",
                 path, api_reference(pod));
    }
    objects_problems_free(&problems);
    objects_document_list_free(&docs);
    if (r < 0) {
        json_decref(pod);
        return -1;
    }
    annotate(pod, node_name, path);
    *ret = pod;
    return 0;
}

/* Reads every manifest (dot files ignored, as the kubelet does) into uid -> pod. A bad file is logged and
 * skipped; the others still run. */
static json_t *scan(struct node_static_pods *s)
{
    json_t *pods = json_object();
    cleanup_closedir DIR *d = opendir(s->dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        json_t *pod = NULL;
        husk_error err = {0};
        if (node_static_pod_from_file(path, s->node_name, &pod, &err) < 0) {
            log_error("static pod: %s", err.message);
            continue;
        }
        json_object_set_new(pods, objects_get_string(objects_get_object(pod, "metadata"), "uid"), pod);
    }
    return pods;
}

static bool same_full_name(const json_t *a, const json_t *b)
{
    return strcmp(objects_meta_namespace(a), objects_meta_namespace(b)) == 0 &&
           strcmp(objects_meta_name(a), objects_meta_name(b)) == 0;
}

/* Whether pod's full name (namespace/name) is still held by a removed one that is stopping: the kubelet's
 * pod workers start a static pod only once the one it replaces has terminated (allowStaticPodStart). */
static bool blocked(const json_t *terminating, const json_t *pod)
{
    const char *uid;
    json_t *old;
    json_object_foreach((json_t *)terminating, uid, old)
    {
        if (same_full_name(old, pod))
            return true;
    }
    return false;
}

/* Under the lock. Returns whether the pods that mirrors show changed. */
static bool reconcile_locked(struct node_static_pods *s, json_t *desired)
{
    const char *uid;
    json_t *pod;
    void *tmp;
    bool changed = false;
    json_object_foreach_safe(s->terminating, tmp, uid, pod)
    {
        if (!node_agent_has_pod(s->agent, uid)) {
            json_object_del(s->terminating, uid);
            changed = true;
        }
    }
    json_object_foreach_safe(s->pods, tmp, uid, pod)
    {
        if (json_object_get(desired, uid) != NULL)
            continue;
        log_info("static pod %s/%s removed; stopping it", objects_meta_namespace(pod),
                 objects_meta_name(pod));
        node_agent_kill_pod(s->agent, uid, -1);
        json_object_set(s->terminating, uid, pod);
        json_object_del(s->pods, uid);
        changed = true;
    }
    json_object_foreach(desired, uid, pod)
    {
        if (json_object_get(s->pods, uid) != NULL || blocked(s->terminating, pod))
            continue;
        husk_error err = {0};
        changed = true;
        log_info("static pod %s/%s from %s", objects_meta_namespace(pod), objects_meta_name(pod), s->dir);
        if (node_agent_sync_pod(s->agent, pod, &err) < 0)
            log_error("static pod %s: %s", objects_meta_name(pod), err.message);
        json_object_set(s->pods, uid, pod);
    }
    return changed;
}

/* rescan: read the manifests again; else only see whether pods that stopped let others start. */
static void reconcile(struct node_static_pods *s, bool rescan)
{
    json_t *desired = rescan ? scan(s) : NULL;
    pthread_mutex_lock(&s->lock);
    if (desired != NULL) {
        json_decref(s->desired);
        s->desired = desired;
    }
    bool changed = reconcile_locked(s, s->desired);
    pthread_mutex_unlock(&s->lock);
    if (changed && s->hooks.changed != NULL) {
        json_t *list = node_static_pods_list(s);
        s->hooks.changed(s->hooks.data, list);
        json_decref(list);
    }
}

static void *watch_main(void *arg)
{
    struct node_static_pods *s = arg;
    bool rescan = true;
    int64_t scanned = 0;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        if (rescan) {
            /* The directory may appear later; keep trying to watch it. */
            inotify_add_watch(s->inotify_fd, s->dir,
                              IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM |
                                  IN_CLOSE_WRITE | IN_DELETE_SELF);
            scanned = husk_now_ms();
        }
        reconcile(s, rescan);
        struct pollfd fds[2] = {{.fd = s->wake_fd, .events = POLLIN},
                                {.fd = s->inotify_fd, .events = POLLIN}};
        /* While a removed pod stops, look often: its end frees its name and its mirror. */
        pthread_mutex_lock(&s->lock);
        bool stopping = json_object_size(s->terminating) > 0;
        pthread_mutex_unlock(&s->lock);
        int64_t until_resync = scanned + NODE_STATIC_RESYNC_MS - husk_now_ms();
        int timeout = until_resync < 0 ? 0 : (int)until_resync;
        if (stopping && timeout > NODE_STATIC_STOPPING_MS)
            timeout = NODE_STATIC_STOPPING_MS;
        rescan = poll(fds, 2, timeout) > 0 || husk_now_ms() >= scanned + NODE_STATIC_RESYNC_MS;
        char buf[4096];
        while (read(s->inotify_fd, buf, sizeof buf) > 0)
            ;
        while (read(s->wake_fd, buf, sizeof buf) > 0)
            ;
    }
    return NULL;
}

int node_static_pods_start(struct node_agent *agent, const char *manifest_dir, const char *node_name,
                           const struct node_static_pods_hooks *hooks, struct node_static_pods **ret,
                           husk_error *err)
{
    struct node_static_pods *s = calloc(1, sizeof *s);
    if (s == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    s->agent = agent;
    s->dir = strdup(manifest_dir);
    s->node_name = strdup(node_name);
    s->hooks = hooks != NULL ? *hooks : (struct node_static_pods_hooks){0};
    s->pods = json_object();
    s->terminating = json_object();
    s->desired = json_object();
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    pthread_mutex_init(&s->lock, NULL);
    /* Pods the agent resumed from an earlier daemon count as current, so they are not started twice. */
    json_t *running = node_agent_pods(agent);
    size_t i;
    json_t *pod;
    json_array_foreach(running, i, pod)
    {
        const char *source =
            objects_get_string(objects_get_object(objects_get_object(pod, "metadata"), "annotations"),
                               "kubernetes.io/config.source");
        if (source != NULL && strcmp(source, "file") == 0)
            json_object_set(s->pods, objects_get_string(objects_get_object(pod, "metadata"), "uid"), pod);
    }
    json_decref(running);
    if (s->dir == NULL || s->node_name == NULL || s->pods == NULL || s->terminating == NULL ||
        s->desired == NULL || s->wake_fd < 0 || s->inotify_fd < 0 ||
        pthread_create(&s->thread, NULL, watch_main, s) != 0) {
        s->thread = 0;
        node_static_pods_stop(s);
        return husk_error_set(err, EAGAIN, "starting the static pod watcher of %s", manifest_dir);
    }
    *ret = s;
    return 0;
}

json_t *node_static_pods_list(struct node_static_pods *s)
{
    json_t *list = json_array();
    pthread_mutex_lock(&s->lock);
    const char *uid;
    json_t *pod;
    json_object_foreach(s->pods, uid, pod)
    {
        json_array_append(list, pod);
    }
    /* None of these shares a name with a running one: its replacement waits (blocked). */
    json_object_foreach(s->terminating, uid, pod)
    {
        json_array_append(list, pod);
    }
    pthread_mutex_unlock(&s->lock);
    return list;
}

void node_static_pods_stop(struct node_static_pods *s)
{
    if (s == NULL)
        return;
    if (s->thread != 0) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_mutex_unlock(&s->lock);
        uint64_t one = 1;
        ssize_t ignored = write(s->wake_fd, &one, sizeof one);
        (void)ignored;
        pthread_join(s->thread, NULL);
    }
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    if (s->inotify_fd >= 0)
        close(s->inotify_fd);
    json_decref(s->pods);
    json_decref(s->terminating);
    json_decref(s->desired);
    free(s->dir);
    free(s->node_name);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
