/* See agent.h. The agent is a table of pod workers by uid; workers that finished (their pod killed and
 * cleaned up) are joined and freed on the next call. */
#include "node/agent.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "node/network.h"
#include "node/recover.h"
#include "node/trash.h"
#include "node/worker.h"
#include "objects/pod.h"
#include "runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct node_agent {
    struct node_agent_config config;
    char *data_dir, *node_name, *host_ip, *cgroup_parent;
    pthread_mutex_t lock;
    struct node_pod_worker **workers;
    size_t count, capacity;
    struct runtime_sandbox_pool *pool; /* spare sandboxes; NULL: none */
    struct node_trash *trash;          /* DATA_DIR/trash; NULL: dirs are removed at once */
    char **done;                       /* uids of workers that finished, to be joined */
    size_t done_count, done_capacity;
};

const struct node_agent_config *node_agent_config(const struct node_agent *agent)
{
    return &agent->config;
}

struct runtime_sandbox_pool *node_agent_sandbox_pool(const struct node_agent *agent)
{
    return agent->pool;
}

struct node_trash *node_agent_trash(const struct node_agent *agent)
{
    return agent->trash;
}

void node_agent_pod_done(struct node_agent *agent, const char *uid)
{
    pthread_mutex_lock(&agent->lock);
    if (agent->done_count == agent->done_capacity) {
        size_t capacity = agent->done_capacity ? agent->done_capacity * 2 : 8;
        char **done = realloc(agent->done, capacity * sizeof *done);
        if (done != NULL) {
            agent->done = done;
            agent->done_capacity = capacity;
        }
    }
    if (agent->done_count < agent->done_capacity)
        agent->done[agent->done_count++] = strdup(uid);
    pthread_mutex_unlock(&agent->lock);
}

/* Index of the worker of uid, or -1; under the lock. */
static ssize_t find(const struct node_agent *agent, const char *uid)
{
    for (size_t i = 0; i < agent->count; i++)
        if (strcmp(agent->workers[i]->uid, uid) == 0)
            return (ssize_t)i;
    return -1;
}

/* Joins the workers that finished; their threads have returned, so this does not block for long. Several
 * threads may reap at once (the kubelet link, API requests, the eviction manager): each entry is taken off
 * the list under the lock before the lock is let go for the join, so no two take the same one (they did:
 * a double free when many pods ended together). */
static void reap(struct node_agent *agent)
{
    pthread_mutex_lock(&agent->lock);
    while (agent->done_count > 0) {
        char *uid = agent->done[--agent->done_count];
        ssize_t i = find(agent, uid);
        struct node_pod_worker *w = NULL;
        if (i >= 0) {
            w = agent->workers[i];
            agent->workers[i] = agent->workers[--agent->count];
        }
        pthread_mutex_unlock(&agent->lock);
        free(uid);
        if (w != NULL)
            node_worker_join_and_free(w);
        pthread_mutex_lock(&agent->lock);
    }
    pthread_mutex_unlock(&agent->lock);
}

static int add_worker(struct node_agent *agent, const json_t *pod, husk_error *err)
{
    struct node_pod_worker *w = NULL;
    if (agent->count == agent->capacity) {
        size_t capacity = agent->capacity ? agent->capacity * 2 : 16;
        struct node_pod_worker **workers = realloc(agent->workers, capacity * sizeof *workers);
        if (workers == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        agent->workers = workers;
        agent->capacity = capacity;
    }
    if (node_worker_new(agent, pod, &w, err) < 0)
        return -1;
    agent->workers[agent->count++] = w;
    return 0;
}

int node_agent_sync_pod(struct node_agent *agent, const json_t *pod, husk_error *err)
{
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    if (uid == NULL)
        return husk_error_set(err, EINVAL, "pod %s has no metadata.uid", objects_meta_name(pod));
    reap(agent);
    pthread_mutex_lock(&agent->lock);
    ssize_t i = find(agent, uid);
    int r = 0;
    if (i < 0) {
        r = add_worker(agent, pod, err);
    } else {
        struct node_pod_worker *w = agent->workers[i];
        pthread_mutex_lock(&w->lock);
        json_decref(w->pending_pod);
        w->pending_pod = json_deep_copy(pod);
        pthread_mutex_unlock(&w->lock);
        node_worker_wake(w);
    }
    pthread_mutex_unlock(&agent->lock);
    return r;
}

void node_agent_kill_pod(struct node_agent *agent, const char *uid, int64_t grace_seconds)
{
    reap(agent);
    pthread_mutex_lock(&agent->lock);
    ssize_t i = find(agent, uid);
    if (i >= 0) {
        struct node_pod_worker *w = agent->workers[i];
        pthread_mutex_lock(&w->lock);
        /* A second request may shorten the grace period, never lengthen it (kubectl delete --grace-period).
         */
        if (!w->kill_requested || grace_seconds < w->kill_grace_seconds)
            w->kill_grace_seconds = grace_seconds;
        w->kill_requested = true;
        pthread_mutex_unlock(&w->lock);
        node_worker_wake(w);
    }
    pthread_mutex_unlock(&agent->lock);
}

bool node_agent_evict_pod(struct node_agent *agent, const char *uid, const char *message,
                          int64_t grace_seconds)
{
    bool evicted = false;
    pthread_mutex_lock(&agent->lock);
    ssize_t i = find(agent, uid);
    if (i >= 0 && !agent->workers[i]->completed) {
        struct node_pod_worker *w = agent->workers[i];
        pthread_mutex_lock(&w->lock);
        if (w->evict_message == NULL && !w->kill_requested && (w->evict_message = strdup(message)) != NULL) {
            w->evict_grace_seconds = grace_seconds;
            evicted = true;
        }
        pthread_mutex_unlock(&w->lock);
        node_worker_wake(w);
    }
    pthread_mutex_unlock(&agent->lock);
    return evicted;
}

bool node_agent_pod_evicted(struct node_agent *agent, const char *uid)
{
    pthread_mutex_lock(&agent->lock);
    ssize_t i = find(agent, uid);
    bool evicted = true;
    if (i >= 0) {
        struct node_pod_worker *w = agent->workers[i];
        pthread_mutex_lock(&w->lock);
        evicted = w->gone || w->evicted;
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_unlock(&agent->lock);
    return evicted;
}

bool node_agent_pod_active(struct node_agent *agent, const char *uid)
{
    pthread_mutex_lock(&agent->lock);
    ssize_t i = find(agent, uid);
    bool active = false;
    if (i >= 0) {
        struct node_pod_worker *w = agent->workers[i];
        pthread_mutex_lock(&w->lock);
        active = !w->gone && !w->completed && !w->kill_requested && w->evict_message == NULL;
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_unlock(&agent->lock);
    return active;
}

/* Until its worker is joined: a pod of the same uid handed over before that would go to the ending worker. */
bool node_agent_has_pod(struct node_agent *agent, const char *uid)
{
    reap(agent);
    pthread_mutex_lock(&agent->lock);
    bool has = find(agent, uid) >= 0;
    pthread_mutex_unlock(&agent->lock);
    return has;
}

json_t *node_agent_pods(struct node_agent *agent)
{
    reap(agent);
    json_t *list = json_array();
    pthread_mutex_lock(&agent->lock);
    for (size_t i = 0; i < agent->count; i++) {
        struct node_pod_worker *w = agent->workers[i];
        pthread_mutex_lock(&w->lock);
        if (!w->gone)
            json_array_append_new(list, json_deep_copy(w->pending_pod ? w->pending_pod : w->pod));
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_unlock(&agent->lock);
    return list;
}

/* The network goes before the sandbox that pins its namespace: the DEL needs it to find what to undo. */
static void detach_network(struct node_agent *agent, const char *uid, const char *pod_dir)
{
    char state_dir[4600];
    snprintf(state_dir, sizeof state_dir, "%s/sandbox", pod_dir);
    husk_error err = {0};
    if (agent->config.cni != NULL &&
        node_network_detach_pod(agent->config.cni, agent->data_dir, uid, state_dir, &err) < 0)
        log_warn("pod %s: deleting its network attachment: %s", uid, err.message);
}

/* Resumes the pods a previous daemon left under DATA_DIR/pods: each has its worker.json. */
static void resume(struct node_agent *agent)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/pods", agent->data_dir);
    cleanup_closedir DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        json_t *record = node_worker_record_load(path);
        json_t *pod = json_object_get(record, "pod");
        husk_error err = {0};
        if (pod == NULL) {
            /* The API hands the pod over again if it still has it; until then nothing may run unrecorded. */
            log_warn("pod dir %s has no readable worker.json; its volumes stay for the API's copy", path);
            detach_network(agent, e->d_name, path);
            node_sandbox_discard(path, agent->cgroup_parent, e->d_name);
        } else if (add_worker(agent, pod, &err) < 0)
            log_warn("resuming pod %s: %s", e->d_name, err.message);
        json_decref(record);
    }
}

static bool pod_dir_exists(void *data, const char *uid)
{
    const struct node_agent *agent = data;
    char path[4400];
    snprintf(path, sizeof path, "%s/pods/%s", agent->data_dir, uid);
    return access(path, F_OK) == 0;
}

int node_agent_new(const struct node_agent_config *config, struct node_agent **ret, husk_error *err)
{
    struct node_agent *agent = calloc(1, sizeof *agent);
    if (agent == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    agent->config = *config;
    agent->data_dir = strdup(config->data_dir);
    agent->node_name = strdup(config->node_name ? config->node_name : "localhost");
    agent->host_ip = config->host_ip ? strdup(config->host_ip) : NULL;
    agent->cgroup_parent = config->cgroup_parent ? strdup(config->cgroup_parent) : NULL;
    agent->config.cgroup_parent = agent->cgroup_parent;
    agent->config.data_dir = agent->data_dir;
    agent->config.node_name = agent->node_name;
    agent->config.host_ip = agent->host_ip;
    pthread_mutex_init(&agent->lock, NULL);
    char path[4096];
    const char *subdirs[] = {"", "/pods", "/logs", "/network"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", agent->data_dir, subdirs[i]);
        if (mkdir(path, 0700) < 0 && errno != EEXIST) {
            husk_error_set_errno(err, errno, "creating %s", path);
            node_agent_free(agent);
            return -1;
        }
        /* A directory per pod under each: spread over the disk, see husk_mark_top_dir. */
        if (i == 1 || i == 2)
            husk_mark_top_dir(path);
    }
    snprintf(path, sizeof path, "%s/trash", agent->data_dir);
    husk_error trash_err = {0};
    if (node_trash_new(path, &agent->trash, &trash_err) < 0)
        log_warn("no trash dir (a pod's files are removed before it is reported gone): %s",
                 trash_err.message);
    /* Before the pods resume: their workers may make sandboxes at once. Without spares pods still start. */
    snprintf(path, sizeof path, "%s/sandbox-pool", agent->data_dir);
    husk_error pool_err = {0};
    if (runtime_sandbox_pool_new(path, agent->cgroup_parent, config->sandbox_pool, &agent->pool, &pool_err) <
        0)
        log_warn("no spare sandboxes: %s", pool_err.message);
    pthread_mutex_lock(&agent->lock);
    resume(agent);
    pthread_mutex_unlock(&agent->lock);
    if (config->cni != NULL) {
        snprintf(path, sizeof path, "%s/network", agent->data_dir);
        node_network_reconcile(config->cni, path, pod_dir_exists, agent);
    }
    *ret = agent;
    return 0;
}

void node_agent_free(struct node_agent *agent)
{
    if (agent == NULL)
        return;
    reap(agent);
    /* Each worker leaves the list before it is freed: one that ends while it is joined (a pod being
     * evicted or deleted) reports itself done, and the last reap must not find it (it did: a
     * heap-use-after-free when the daemon stopped during an eviction). */
    for (;;) {
        pthread_mutex_lock(&agent->lock);
        struct node_pod_worker *w = agent->count > 0 ? agent->workers[--agent->count] : NULL;
        pthread_mutex_unlock(&agent->lock);
        if (w == NULL)
            break;
        node_worker_join_and_free(w);
    }
    reap(agent);
    runtime_sandbox_pool_free(agent->pool);
    node_trash_free(agent->trash);
    free(agent->workers);
    free(agent->done);
    free(agent->data_dir);
    free(agent->node_name);
    free(agent->host_ip);
    free(agent->cgroup_parent);
    pthread_mutex_destroy(&agent->lock);
    free(agent);
}

/* A logs dir is NS_NAME_UID: the uid is what follows the last underscore. */
static const char *log_dir_uid(const char *name)
{
    const char *underscore = strrchr(name, '_');
    return underscore ? underscore + 1 : name;
}

/* Removes the entries of DATA_DIR/SUB that belong to no worker and no known pod. Under the agent's lock, so
 * that no worker is being added meanwhile. */
static void remove_orphans_in(struct node_agent *agent, const char *sub, const json_t *known)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", agent->data_dir, sub);
    bool pods = strcmp(sub, "pods") == 0;
    cleanup_closedir DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        const char *uid = pods ? e->d_name : log_dir_uid(e->d_name);
        if (e->d_name[0] == '.' || find(agent, uid) >= 0 || json_object_get(known, uid) != NULL)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        log_info("pod %s is not in the API and has no worker: removing %s", uid, path);
        if (pods)
            node_pod_dir_remove(path, agent->cgroup_parent, uid);
        else
            node_worker_remove_tree(path);
    }
}

void node_agent_remove_orphans(struct node_agent *agent, const json_t *known)
{
    reap(agent);
    pthread_mutex_lock(&agent->lock);
    remove_orphans_in(agent, "pods", known);
    remove_orphans_in(agent, "logs", known);
    pthread_mutex_unlock(&agent->lock);
}
