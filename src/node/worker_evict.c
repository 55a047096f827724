/* The worker's side of the node's limits: carrying out an eviction the eviction manager decided
 * (eviction_manager.c), and refusing to start a pod while the data dir or the log dir is full. */
#include "node/worker.h"

#include "base/log.h"
#include "node/disk.h"
#include "node/eviction.h"
#include "node/volumes.h"
#include "objects/pod.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* The kubelet tears down the volumes of a pod it evicted; emptying its emptyDirs gives back the disk that
 * an emptyDir over its sizeLimit or a disk-pressure eviction is about. */
static void empty_emptydirs(struct node_pod_worker *w)
{
    size_t i;
    json_t *volume;
    json_array_foreach(objects_get_array(objects_pod_spec(w->pod), "volumes"), i, volume)
    {
        const char *name = objects_get_string(volume, "name");
        if (name == NULL || objects_get_object(volume, "emptyDir") == NULL || strchr(name, '/') != NULL)
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/volumes/%s", w->pod_dir, name);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    }
}

bool node_worker_evict_if_requested(struct node_pod_worker *w)
{
    pthread_mutex_lock(&w->lock);
    char *message = w->evict_message;
    int64_t grace = w->evict_grace_seconds;
    w->evict_message = NULL;
    if (message != NULL)
        w->completed = true;
    pthread_mutex_unlock(&w->lock);
    if (message == NULL)
        return false;
    log_info("pod %s/%s: evicted: %s", objects_meta_namespace(w->pod), objects_meta_name(w->pod), message);
    free(w->terminal_reason);
    free(w->terminal_message);
    w->terminal_reason = strdup(NODE_EVICTION_REASON);
    w->terminal_message = message;
    node_worker_event(w, NULL, "Warning", NODE_EVICTION_REASON, "%s", message);
    node_worker_stop_containers(w, grace);
    empty_emptydirs(w);
    pthread_mutex_lock(&w->lock);
    w->evicted = true;
    pthread_mutex_unlock(&w->lock);
    return true;
}

/* Fills message and returns true when the filesystem of path has no room for a new pod. */
static bool full(const char *what, const char *path, char *message, size_t size)
{
    struct node_fs_stats stats;
    husk_error err = {0};
    if (node_fs_stats(path, &stats, &err) < 0 || !node_fs_full(&stats))
        return false;
    char available[64], capacity[64];
    node_eviction_format_bytes(stats.available, available, sizeof available);
    node_eviction_format_bytes(stats.capacity, capacity, sizeof capacity);
    snprintf(
        message, size,
        "the filesystem of the %s %s is full (%s bytes of %s available, %lld inodes free); the pod starts "
        "when space returns",
        what, path, available, capacity, (long long)stats.inodes_free);
    return true;
}

bool node_worker_disk_admits(struct node_pod_worker *w)
{
    const char *data_dir = node_agent_config(w->agent)->data_dir;
    char logs[4200], message[1024];
    snprintf(logs, sizeof logs, "%s/logs", data_dir);
    if (!full("data dir", data_dir, message, sizeof message) &&
        !full("log dir", logs, message, sizeof message)) {
        if (w->admit_message != NULL)
            log_info("pod %s: %s has room again", w->uid, data_dir);
        free(w->admit_message);
        w->admit_message = NULL;
        return true;
    }
    if (w->admit_message == NULL || strcmp(w->admit_message, message) != 0) {
        /* One event per change, not one per retry. */
        if (w->admit_message == NULL)
            node_worker_event(w, NULL, "Warning", "FailedCreatePodSandBox",
                              "Failed to create pod sandbox: %s", message);
        free(w->admit_message);
        w->admit_message = strdup(message);
    }
    return false;
}
