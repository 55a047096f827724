/* See recover.h. */
#include "node/recover.h"

#include "base/fs.h"
#include "base/log.h"
#include "node/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void set_aside(const char *path, const char *why)
{
    char aside[4300];
    husk_error err = {0};
    if (husk_set_aside(path, "", aside, sizeof aside, &err) < 0)
        log_error("%s is %s, and cannot be set aside: %s", path, why, err.message);
    else
        log_error("%s is %s; set aside as %s", path, why, aside);
}

json_t *node_worker_record_load(const char *pod_dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/worker.json", pod_dir);
    if (access(path, F_OK) < 0)
        return NULL;
    json_error_t jerr;
    json_t *record = json_load_file(path, 0, &jerr);
    char why[512];
    json_int_t version = json_integer_value(json_object_get(record, "formatVersion"));
    if (record == NULL)
        snprintf(why, sizeof why, "damaged (line %d: %s); the pod starts afresh from the API's copy",
                 jerr.line, jerr.text);
    else if (!json_is_object(json_object_get(record, "pod")))
        snprintf(why, sizeof why, "damaged (no pod in it); the pod starts afresh from the API's copy");
    else if (version > NODE_WORKER_RECORD_VERSION)
        snprintf(why, sizeof why, "from a newer husk (format %lld; this one reads up to %d)",
                 (long long)version, NODE_WORKER_RECORD_VERSION);
    else
        return record;
    json_decref(record);
    set_aside(path, why);
    return NULL;
}

static pid_t read_supervisor_pid(const char *state_dir)
{
    char path[4300], text[32] = "";
    snprintf(path, sizeof path, "%s/supervisor.pid", state_dir);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    bool read = fgets(text, sizeof text, f) != NULL;
    fclose(f);
    return read ? (pid_t)strtol(text, NULL, 10) : 0;
}

/* The sandbox as the node knows it without sandbox.json. */
static struct runtime_sandbox *rebuild(const char *state_dir, const char *cgroup_parent, const char *uid)
{
    struct runtime_sandbox *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->supervisor_pidfd = -1; /* none: it answers a ping or is gone (not fd 0, which calloc left) */
    if (s == NULL || (s->state_dir = strdup(state_dir)) == NULL ||
        asprintf(&s->cgroup_path, "%s/pod-%s", cgroup_parent ? cgroup_parent : "husk", uid) < 0) {
        if (s != NULL)
            s->cgroup_path = NULL;
        runtime_sandbox_free(s);
        return NULL;
    }
    s->supervisor_pid = read_supervisor_pid(state_dir);
    return s;
}

struct runtime_sandbox *node_sandbox_reopen(const char *pod_dir, const char *cgroup_parent, const char *uid)
{
    char state_dir[4200], info[4300];
    snprintf(state_dir, sizeof state_dir, "%s/sandbox", pod_dir);
    if (access(state_dir, F_OK) < 0)
        return NULL;
    struct runtime_sandbox *s = NULL;
    husk_error err = {0};
    if (runtime_sandbox_open(state_dir, &s, &err) == 0)
        return s;
    snprintf(info, sizeof info, "%s/sandbox.json", state_dir);
    char why[1200];
    snprintf(why, sizeof why, "unreadable (%.1000s); the pod's sandbox is taken up from its cgroup and pid",
             err.message);
    if (access(info, F_OK) == 0)
        set_aside(info, why);
    else
        log_error("pod %s: %s", uid, why);
    return rebuild(state_dir, cgroup_parent, uid);
}

void node_sandbox_discard(const char *pod_dir, const char *cgroup_parent, const char *uid)
{
    struct runtime_sandbox *s = node_sandbox_reopen(pod_dir, cgroup_parent, uid);
    if (s == NULL)
        return;
    log_warn("pod %s: no record says what runs in its sandbox %s; removing the sandbox so the pod starts "
             "afresh",
             uid, s->state_dir);
    husk_error err = {0};
    if (runtime_sandbox_remove(s, &err) < 0)
        log_error("pod %s: removing its unrecorded sandbox: %s", uid, err.message);
    runtime_sandbox_free(s);
}

static int by_length_descending(const void *a, const void *b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Unmounts what is mounted below dir, deepest first (mount points from /proc/self/mountinfo's fifth
 * field; husk's data paths have no characters mountinfo would escape). */
static void unmount_below(const char *dir)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192], prefix[4200];
    char *points[256] = {0};
    size_t n = 0;
    snprintf(prefix, sizeof prefix, "%s/", dir);
    while (f != NULL && n < sizeof points / sizeof points[0] && fgets(line, sizeof line, f) != NULL) {
        char point[4200];
        if (sscanf(line, "%*s %*s %*s %*s %4199s", point) != 1 || strncmp(point, prefix, strlen(prefix)) != 0)
            continue;
        if ((points[n] = strdup(point)) != NULL)
            n++;
    }
    if (f != NULL)
        fclose(f);
    qsort(points, n, sizeof points[0], by_length_descending);
    for (size_t i = 0; i < n; i++) {
        husk_error err = {0};
        if (runtime_volume_unmount(points[i], &err) < 0)
            log_warn("%s", err.message);
        free(points[i]);
    }
}

void node_pod_dir_remove(const char *pod_dir, const char *cgroup_parent, const char *uid)
{
    node_sandbox_discard(pod_dir, cgroup_parent, uid);
    unmount_below(pod_dir);
    node_worker_remove_tree(pod_dir);
}
