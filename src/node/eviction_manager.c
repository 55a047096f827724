/* See eviction_manager.h. Observations are the kubelet's (pkg/kubelet/eviction/helpers.go
 * makeSignalObservations): memory.available is the node's memory less the root cgroup's working set
 * (MemAvailable where the root cgroup has no usage file), nodefs from statvfs of the data dir, imagefs of
 * DATA_DIR/images; a pod's memory is its cgroup's working set, its disk what its pod dir and logs take. */
#include "node/eviction_manager.h"

#include "base/clock.h"
#include "base/log.h"
#include "node/container_logs.h"
#include "node/disk.h"
#include "node/eviction.h"
#include "objects/pod.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

struct node_eviction_manager {
    struct node_agent *agent;
    struct node_eviction_hooks hooks;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool reported, memory_pressure, disk_pressure;
    enum node_eviction_signal reclaiming;
    char *waiting_for;     /* the uid of the pod evicted last, until its containers are stopped */
    int64_t waiting_since; /* monotonic ms */
    bool said_none;        /* "no pod can be evicted" was logged for this episode */
};

/* How long the next eviction waits for the last one to be done (the kubelet's podCleanupTimeout). */
#define CLEANUP_TIMEOUT_MS 30000

/* As the kubelet (waitForPodsCleanup), one eviction at a time: the next waits until the last evicted pod's
 * containers are stopped, so a slow stop does not cost a second pod. */
static bool last_eviction_done(struct node_eviction_manager *m)
{
    if (m->waiting_for == NULL)
        return true;
    if (!node_agent_pod_evicted(m->agent, m->waiting_for) &&
        husk_now_ms() - m->waiting_since < CLEANUP_TIMEOUT_MS)
        return false;
    free(m->waiting_for);
    m->waiting_for = NULL;
    return true;
}

static void evicted(struct node_eviction_manager *m, const char *uid)
{
    free(m->waiting_for);
    m->waiting_for = strdup(uid);
    m->waiting_since = husk_now_ms();
}

static int64_t meminfo_value(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    long long kib = -1;
    size_t n = strlen(key);
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            kib = strtoll(line + n + 1, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kib < 0 ? -1 : (int64_t)kib * 1024;
}

static void observe_memory(struct node_eviction_observation *o)
{
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return;
    int64_t capacity = (int64_t)si.totalram * si.mem_unit, working_set = 0;
    husk_error err = {0};
    if (runtime_cgroup_memory_working_set("", &working_set, &err) == 0) {
        *o = (struct node_eviction_observation){true, capacity - working_set, capacity};
        return;
    }
    int64_t available = meminfo_value("MemAvailable");
    if (available >= 0)
        *o = (struct node_eviction_observation){true, available, capacity};
}

static void observe(const char *data_dir, struct node_eviction_observation observed[NODE_SIGNALS])
{
    memset(observed, 0, sizeof(struct node_eviction_observation) * NODE_SIGNALS);
    observe_memory(&observed[NODE_SIGNAL_MEMORY_AVAILABLE]);
    struct node_fs_stats fs;
    husk_error err = {0};
    if (node_fs_stats(data_dir, &fs, &err) == 0) {
        observed[NODE_SIGNAL_NODEFS_AVAILABLE] =
            (struct node_eviction_observation){true, fs.available, fs.capacity};
        if (fs.inodes > 0)
            observed[NODE_SIGNAL_NODEFS_INODES_FREE] =
                (struct node_eviction_observation){true, fs.inodes_free, fs.inodes};
    }
    char images[4200];
    snprintf(images, sizeof images, "%s/images", data_dir);
    if (node_fs_stats(images, &fs, &err) == 0)
        observed[NODE_SIGNAL_IMAGEFS_AVAILABLE] =
            (struct node_eviction_observation){true, fs.available, fs.capacity};
}

static const char *pod_uid(const json_t *pod)
{
    return objects_get_string(objects_get_object(pod, "metadata"), "uid");
}

/* Evicts every pod with an emptyDir over its sizeLimit (localStorageEviction); returns how many. */
static size_t emptydir_eviction(struct node_eviction_manager *m, const json_t *pods)
{
    const char *data_dir = node_agent_config(m->agent)->data_dir;
    size_t count = 0, i, j;
    json_t *pod, *volume;
    json_array_foreach(pods, i, pod)
    {
        const char *uid = pod_uid(pod);
        if (uid == NULL || node_eviction_pod_is_critical(pod) || !node_agent_pod_active(m->agent, uid))
            continue;
        json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), j, volume)
        {
            const char *name = objects_get_string(volume, "name");
            if (name == NULL || !node_eviction_emptydir_limited(volume) || strchr(name, '/') != NULL)
                continue;
            char path[4200], message[512];
            snprintf(path, sizeof path, "%s/pods/%s/volumes/%s", data_dir, uid, name);
            if (node_eviction_emptydir_exceeded(volume, node_disk_usage(path), message, sizeof message) &&
                node_agent_evict_pod(m->agent, uid, message, 1)) {
                evicted(m, uid);
                count++;
                break;
            }
        }
    }
    return count;
}

static int64_t request_of(const json_t *container, const char *resource)
{
    int64_t milli = 0;
    return objects_container_resource_milli(container, "requests", resource, &milli) ? milli / 1000 : 0;
}

/* One container's usage of the resource: memory from its cgroup, disk from its writable layer and logs. */
static int64_t container_usage(const char *data_dir, const char *cgroup_parent, const json_t *pod,
                               const char *name, bool memory)
{
    const char *uid = pod_uid(pod);
    char path[4400];
    if (memory) {
        int64_t bytes = 0;
        husk_error err = {0};
        snprintf(path, sizeof path, "%s/pod-%s/%s", cgroup_parent, uid, name);
        return runtime_cgroup_memory_working_set(path, &bytes, &err) == 0 ? bytes : 0;
    }
    snprintf(path, sizeof path, "%s/pods/%s/sandbox/containers/%s/upper", data_dir, uid, name);
    int64_t bytes = node_disk_usage(path);
    snprintf(path, sizeof path, "%s/logs/%s_%s_%s/%s", data_dir, objects_meta_namespace(pod),
             objects_meta_name(pod), uid, name);
    return bytes + node_disk_usage(path);
}

/* The pod's usage and request of the resource, its containers' too (for the message). */
static void measure_pod(struct node_eviction_manager *m, const json_t *pod, bool memory,
                        struct node_eviction_pod *ret)
{
    const struct node_agent_config *config = node_agent_config(m->agent);
    const char *parent = config->cgroup_parent ? config->cgroup_parent : "husk";
    const char *resource = memory ? "memory" : "ephemeral-storage", *uid = pod_uid(pod);
    json_t *containers = objects_pod_containers(pod);
    int64_t priority = 0;
    objects_get_int(objects_pod_spec(pod), "priority", &priority);
    *ret = (struct node_eviction_pod){
        .pod = pod, .critical = node_eviction_pod_is_critical(pod), .priority = (int32_t)priority};
    ret->containers = calloc(json_array_size(containers) + 1, sizeof *ret->containers);
    char path[4400];
    if (memory) {
        snprintf(path, sizeof path, "%s/pod-%s", parent, uid);
        husk_error err = {0};
        if (runtime_cgroup_memory_working_set(path, &ret->usage, &err) < 0)
            ret->usage = 0;
    } else {
        snprintf(path, sizeof path, "%s/pods/%s", config->data_dir, uid);
        ret->usage = node_disk_usage(path);
        snprintf(path, sizeof path, "%s/logs/%s_%s_%s", config->data_dir, objects_meta_namespace(pod),
                 objects_meta_name(pod), uid);
        ret->usage += node_disk_usage(path);
    }
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        const char *name = objects_get_string(c, "name");
        int64_t request = request_of(c, resource);
        ret->request += request;
        if (ret->containers == NULL || name == NULL || strchr(name, '/') != NULL)
            continue;
        ret->containers[ret->container_count++] = (struct node_eviction_container){
            name, container_usage(config->data_dir, parent, pod, name, memory), request};
    }
}

static void report_conditions(struct node_eviction_manager *m, const bool met[NODE_SIGNALS])
{
    bool memory = node_eviction_memory_pressure(met), disk = node_eviction_disk_pressure(met);
    if (m->reported && memory == m->memory_pressure && disk == m->disk_pressure)
        return;
    if (memory != m->memory_pressure || disk != m->disk_pressure)
        log_info("eviction manager: MemoryPressure %s, DiskPressure %s", memory ? "True" : "False",
                 disk ? "True" : "False");
    m->reported = true;
    m->memory_pressure = memory;
    m->disk_pressure = disk;
    if (m->hooks.node_conditions != NULL)
        m->hooks.node_conditions(m->hooks.data, memory, disk);
}

/* Ranks the active pods for signal and evicts the first that may go. */
static void evict_one(struct node_eviction_manager *m, const json_t *pods, enum node_eviction_signal signal,
                      const struct node_eviction_observation *observed)
{
    size_t n = 0, i;
    struct node_eviction_pod *ranked = calloc(json_array_size(pods) + 1, sizeof *ranked);
    json_t *pod;
    if (ranked == NULL)
        return;
    json_array_foreach(pods, i, pod)
    {
        if (pod_uid(pod) != NULL && node_agent_pod_active(m->agent, pod_uid(pod)))
            measure_pod(m, pod, signal == NODE_SIGNAL_MEMORY_AVAILABLE, &ranked[n++]);
    }
    node_eviction_rank(ranked, n);
    const struct node_eviction_pod *victim = node_eviction_pick(ranked, n);
    if (victim == NULL) {
        if (!m->said_none)
            log_warn("eviction manager: %s is low, but no pod can be evicted",
                     node_eviction_resource(signal));
        m->said_none = true;
    } else {
        char message[2048];
        const struct node_limits *limits = &node_agent_config(m->agent)->limits;
        node_eviction_message(signal, &limits->eviction_hard[signal], observed, victim, message,
                              sizeof message);
        if (node_agent_evict_pod(m->agent, pod_uid(victim->pod), message, 1))
            evicted(m, pod_uid(victim->pod));
    }
    for (i = 0; i < n; i++)
        free(ranked[i].containers);
    free(ranked);
}

static void synchronize(struct node_eviction_manager *m)
{
    const struct node_agent_config *config = node_agent_config(m->agent);
    json_t *pods = node_agent_pods(m->agent);
    struct node_eviction_observation observed[NODE_SIGNALS];
    bool met[NODE_SIGNALS];
    observe(config->data_dir, observed);
    node_eviction_thresholds_met(&config->limits, observed, met);
    report_conditions(m, met);
    enum node_eviction_signal signal = node_eviction_signal_to_reclaim(met);
    /* Pods over their own limits go first; a node-level eviction waits for the next pass. */
    if (last_eviction_done(m) && emptydir_eviction(m, pods) == 0 && signal != NODE_SIGNALS) {
        if (signal != m->reclaiming && m->hooks.node_event != NULL) {
            char message[128];
            snprintf(message, sizeof message, "Attempting to reclaim %s", node_eviction_resource(signal));
            m->hooks.node_event(m->hooks.data, "Warning", "EvictionThresholdMet", message);
        }
        evict_one(m, pods, signal, &observed[signal]);
    }
    if (signal != m->reclaiming)
        m->said_none = false;
    m->reclaiming = signal;
    json_decref(pods);
}

static void *manager_main(void *arg)
{
    struct node_eviction_manager *m = arg;
    const struct node_agent_config *config = node_agent_config(m->agent);
    int interval =
        config->limits.housekeeping_interval_ms > 0 ? config->limits.housekeeping_interval_ms : 2000;
    char logs[4200];
    snprintf(logs, sizeof logs, "%s/logs", config->data_dir);
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        pthread_mutex_unlock(&m->lock);
        if (config->limits.container_log_max_bytes > 0)
            node_container_logs_housekeep(logs, config->limits.container_log_max_files);
        synchronize(m);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += interval / 1000;
        deadline.tv_nsec += (long)(interval % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&m->lock);
        while (!m->stop && pthread_cond_timedwait(&m->wake, &m->lock, &deadline) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int node_eviction_manager_start(struct node_agent *agent, const struct node_eviction_hooks *hooks,
                                struct node_eviction_manager **ret, husk_error *err)
{
    struct node_eviction_manager *m = calloc(1, sizeof *m);
    if (m == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    m->agent = agent;
    m->hooks = *hooks;
    m->reclaiming = NODE_SIGNALS;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&m->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&m->thread, NULL, manager_main, m) != 0) {
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return husk_error_set(err, EAGAIN, "starting the eviction manager's thread");
    }
    *ret = m;
    return 0;
}

void node_eviction_manager_stop(struct node_eviction_manager *m)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    free(m->waiting_for);
    free(m);
}
