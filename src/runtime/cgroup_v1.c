/* The cgroup v1 backend: one hierarchy per controller under /sys/fs/cgroup (possibly co-mounted, as
 * "cpu,cpuacct" with symlinks, which is why hierarchies are deduplicated by their real path). */
#include "runtime/cgroup.h"

#include "base/cleanup.h"
#include "runtime/files.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V1_ROOT "/sys/fs/cgroup"

static const char *const v1_controllers[] = {"memory", "cpu",     "cpuacct", "pids",
                                             "cpuset", "freezer", "blkio"};
#define V1_CONTROLLER_COUNT (sizeof v1_controllers / sizeof v1_controllers[0])
/* A container's cgroup is in the first four only: its memory limit and OOM count, CPU shares, quota and
 * usage, and pids. Each hierarchy is a mkdir, a write of `tasks` and an rmdir per container start (~80 us
 * each here); cpuset, freezer and blkio per container served nothing. */
#define V1_CONTAINER_COUNT 4

static bool hierarchies[V1_CONTROLLER_COUNT];
static pthread_once_t hierarchies_once = PTHREAD_ONCE_INIT;

static void find_hierarchies(void)
{
    char roots[V1_CONTROLLER_COUNT][PATH_MAX];
    for (size_t i = 0; i < V1_CONTROLLER_COUNT; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, V1_ROOT "/%s", v1_controllers[i]);
        hierarchies[i] = realpath(path, roots[i]) != NULL;
        for (size_t j = 0; j < i && hierarchies[i]; j++)
            if (hierarchies[j] && strcmp(roots[i], roots[j]) == 0)
                hierarchies[i] = false;
    }
}

/* Whether controller i has a hierarchy of its own (mounted, and not one seen under another name). Found once
 * per process (28 readlinks each time, for every cgroup a pod start touches), always first in the parent of
 * a forked child, which then finds it done and takes no lock; a few bytes, not a path each (a supervisor
 * kept 28 KiB of them dirty). */
static bool v1_hierarchy(size_t i)
{
    pthread_once(&hierarchies_once, find_hierarchies);
    return hierarchies[i];
}

static void v1_dir(char *out, size_t size, const char *controller, const char *path)
{
    snprintf(out, size, V1_ROOT "/%s/%s", controller, path);
}

/* New cpusets under dir start with its CPUs and memory nodes (cgroup.clone_children): a write of
 * cpuset.cpus rebuilds the scheduler's domains under a global lock, about 0.3 ms each. Best effort: where the
 * flag cannot be set, cpuset_inherit writes them as before. */
static void cpuset_clone_children(const char *dir)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/cgroup.clone_children", dir);
    cleanup_free char *value = NULL;
    husk_error ignored = {0};
    if (runtime_read_file(path, 64, &value, &ignored) == 0 && value[0] != '1')
        runtime_write_file(path, "1", &ignored);
}

/* A new cpuset cgroup starts with no CPUs and no memory nodes unless its parent clones them; give it its
 * parent's. */
static int cpuset_inherit(const char *dir, husk_error *err)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX + 64], parent[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        snprintf(parent, sizeof parent, "%s/../%s", dir, files[i]);
        cleanup_free char *mine = NULL, *theirs = NULL;
        if (runtime_read_file(path, 4096, &mine, err) < 0)
            return -1;
        if (mine[0] != '\n' && mine[0] != '\0')
            continue;
        if (runtime_read_file(parent, 4096, &theirs, err) < 0 || runtime_write_file(path, theirs, err) < 0)
            return -1;
    }
    return 0;
}

static int v1_create_one(const char *controller, const char *path, husk_error *err)
{
    char dir[PATH_MAX];
    v1_dir(dir, sizeof dir, controller, "");
    size_t base = strlen(dir);
    v1_dir(dir, sizeof dir, controller, path);
    bool cpuset = strcmp(controller, "cpuset") == 0;
    /* Most cgroups are made under one that exists (a container's under its pod's): at once, in one mkdir. */
    if (mkdir(dir, 0755) == 0)
        return cpuset ? cpuset_inherit(dir, err) : 0;
    if (errno == EEXIST)
        return 0;
    /* Otherwise level by level, so that each new cpuset level is filled from the one above it. */
    for (char *p = dir + base;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0755) == 0) {
            if (cpuset && cpuset_inherit(dir, err) < 0)
                return -1;
        } else if (errno != EEXIST) {
            return husk_error_set_errno(err, errno, "creating cgroup %s", dir);
        }
        if (cpuset && saved != '\0')
            cpuset_clone_children(dir);
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

/* In the first count hierarchies. */
static int create_in(size_t count, const char *path, husk_error *err)
{
    for (size_t i = 0; i < count; i++)
        if (v1_hierarchy(i) && v1_create_one(v1_controllers[i], path, err) < 0)
            return -1;
    return 0;
}

static int v1_create(const char *path, husk_error *err)
{
    return create_in(V1_CONTROLLER_COUNT, path, err);
}

static int v1_create_container(const char *path, husk_error *err)
{
    return create_in(V1_CONTAINER_COUNT, path, err);
}

static int v1_set_resources(const char *path, const struct runtime_resources *r, husk_error *err)
{
    char dir[PATH_MAX], value[64];
    v1_dir(dir, sizeof dir, "memory", path);
    if (r->memory_limit_bytes > 0) {
        snprintf(value, sizeof value, "%lld", (long long)r->memory_limit_bytes);
        if (runtime_cgroup_write(dir, "memory.limit_in_bytes", value, err) < 0)
            return -1;
        /* Without swap accounting the limit is memory plus swap; with it, forbid swap as the kubelet
         * does (it assumes swap off), so the limit is reached and the OOM killer acts. */
        char memsw[PATH_MAX + 64];
        snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", dir);
        if (access(memsw, F_OK) == 0 &&
            runtime_cgroup_write(dir, "memory.memsw.limit_in_bytes", value, err) < 0)
            return -1;
    }
    v1_dir(dir, sizeof dir, "cpu", path);
    if (r->cpu_shares > 0) {
        snprintf(value, sizeof value, "%llu", (unsigned long long)r->cpu_shares);
        if (runtime_cgroup_write(dir, "cpu.shares", value, err) < 0)
            return -1;
    }
    if (r->cpu_quota_us > 0) {
        snprintf(value, sizeof value, "%llu",
                 (unsigned long long)(r->cpu_period_us ? r->cpu_period_us : 100000));
        if (runtime_cgroup_write(dir, "cpu.cfs_period_us", value, err) < 0)
            return -1;
        snprintf(value, sizeof value, "%lld", (long long)r->cpu_quota_us);
        if (runtime_cgroup_write(dir, "cpu.cfs_quota_us", value, err) < 0)
            return -1;
    }
    v1_dir(dir, sizeof dir, "pids", path);
    if (r->pids_limit > 0) {
        snprintf(value, sizeof value, "%lld", (long long)r->pids_limit);
        if (runtime_cgroup_write(dir, "pids.max", value, err) < 0)
            return -1;
    }
    return 0;
}

static int enter_in(size_t count, const char *path, pid_t pid, husk_error *err)
{
    char value[32];
    snprintf(value, sizeof value, "%d", (int)pid);
    /* The caller moves its one thread through `tasks`: the kernel then skips the global threadgroup lock,
     * whose writer waits for an RCU grace period (5-20 ms here) where cgroup.procs would. */
    const char *file = pid == 0 ? "tasks" : "cgroup.procs";
    for (size_t i = 0; i < count; i++) {
        if (!v1_hierarchy(i))
            continue;
        char dir[PATH_MAX];
        v1_dir(dir, sizeof dir, v1_controllers[i], path);
        if (runtime_cgroup_write(dir, file, value, err) < 0)
            return -1;
    }
    return 0;
}

static int v1_enter(const char *path, pid_t pid, husk_error *err)
{
    return enter_in(V1_CONTROLLER_COUNT, path, pid, err);
}

static int v1_enter_container(const char *path, pid_t pid, husk_error *err)
{
    return enter_in(V1_CONTAINER_COUNT, path, pid, err);
}

static int v1_oom_kill_count(const char *path, long *ret_count, husk_error *err)
{
    char dir[PATH_MAX];
    v1_dir(dir, sizeof dir, "memory", path);
    return runtime_cgroup_read_key(dir, "memory.oom_control", "oom_kill", ret_count, err);
}

static int v1_populated(const char *path, bool *ret_populated, husk_error *err)
{
    char dir[PATH_MAX];
    v1_dir(dir, sizeof dir, "pids", path);
    return runtime_cgroup_dir_populated(dir, ret_populated, err);
}

static int destroy_in(size_t count, const char *path, husk_error *err)
{
    /* Kill through the pids hierarchy first (every process is in it), then remove every hierarchy's dir. A
     * cgroup with neither processes nor children (most, by the time they are removed) goes in one rmdir. */
    char dir[PATH_MAX];
    v1_dir(dir, sizeof dir, "pids", path);
    if (rmdir(dir) < 0 && errno != ENOENT && runtime_cgroup_kill_and_remove(dir, err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (!v1_hierarchy(i))
            continue;
        v1_dir(dir, sizeof dir, v1_controllers[i], path);
        if (rmdir(dir) < 0 && errno != ENOENT && runtime_cgroup_kill_and_remove(dir, err) < 0)
            return -1;
    }
    return 0;
}

static int v1_destroy(const char *path, husk_error *err)
{
    return destroy_in(V1_CONTROLLER_COUNT, path, err);
}

static int v1_destroy_container(const char *path, husk_error *err)
{
    return destroy_in(V1_CONTAINER_COUNT, path, err);
}

static int v1_rename(const char *from, const char *to, husk_error *err)
{
    for (size_t i = 0; i < V1_CONTROLLER_COUNT; i++) {
        if (!v1_hierarchy(i))
            continue;
        char old_dir[PATH_MAX], new_dir[PATH_MAX];
        v1_dir(old_dir, sizeof old_dir, v1_controllers[i], from);
        v1_dir(new_dir, sizeof new_dir, v1_controllers[i], to);
        if (rename(old_dir, new_dir) == 0)
            continue;
        husk_error_set_errno(err, errno, "renaming cgroup %s to %s", old_dir, new_dir);
        /* Put back those already renamed, so the cgroup is whole under one name. */
        while (i-- > 0) {
            if (!v1_hierarchy(i))
                continue;
            v1_dir(old_dir, sizeof old_dir, v1_controllers[i], from);
            v1_dir(new_dir, sizeof new_dir, v1_controllers[i], to);
            rename(new_dir, old_dir);
        }
        return -1;
    }
    return 0;
}

const struct runtime_cgroup_manager runtime_cgroup_v1 = {
    .name = "v1",
    .create = v1_create,
    .set_resources = v1_set_resources,
    .enter = v1_enter,
    .oom_kill_count = v1_oom_kill_count,
    .populated = v1_populated,
    .destroy = v1_destroy,
    .rename = v1_rename,
    .create_container = v1_create_container,
    .enter_container = v1_enter_container,
    .destroy_container = v1_destroy_container,
};
