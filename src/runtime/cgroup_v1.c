/* The cgroup v1 backend: one hierarchy per controller under /sys/fs/cgroup (possibly co-mounted, as
 * "cpu,cpuacct" with symlinks, which is why hierarchies are deduplicated by their real path). */
#include "runtime/cgroup.h"

#include "base/fs.h"
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

/* The hierarchies a pod's and a container's cgroups are in: their memory limit and OOM count, CPU shares,
 * quota and usage, and pids (which kills them). Each hierarchy is a mkdir, a write of `tasks` and an rmdir
 * per pod and per container (~80 us each here); cpuset, freezer and blkio served nothing husk does, and
 * its processes stay in the daemon's cgroup there, as in any hierarchy husk does not use. */
static const char *const v1_controllers[] = {"memory", "cpu", "cpuacct", "pids"};
#define V1_CONTROLLER_COUNT (sizeof v1_controllers / sizeof v1_controllers[0])
/* Where an earlier husk made its pods' cgroups too: removed with them (pods it left running). */
static const char *const v1_former_controllers[] = {"cpuset", "freezer", "blkio"};

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

static int v1_create(const char *path, husk_error *err)
{
    for (size_t i = 0; i < V1_CONTROLLER_COUNT; i++) {
        if (!v1_hierarchy(i))
            continue;
        char dir[PATH_MAX];
        v1_dir(dir, sizeof dir, v1_controllers[i], path);
        if (husk_mkdir_p(dir, 0755, err) < 0)
            return -1;
    }
    return 0;
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

static int v1_enter(const char *path, pid_t pid, husk_error *err)
{
    char value[32];
    snprintf(value, sizeof value, "%d", (int)pid);
    /* The caller moves its one thread through `tasks`: the kernel then skips the global threadgroup lock,
     * whose writer waits for an RCU grace period (5-20 ms here) where cgroup.procs would. */
    const char *file = pid == 0 ? "tasks" : "cgroup.procs";
    for (size_t i = 0; i < V1_CONTROLLER_COUNT; i++) {
        if (!v1_hierarchy(i))
            continue;
        char dir[PATH_MAX];
        v1_dir(dir, sizeof dir, v1_controllers[i], path);
        if (runtime_cgroup_write(dir, file, value, err) < 0)
            return -1;
    }
    return 0;
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

static int remove_one(const char *controller, const char *path, husk_error *err)
{
    char dir[PATH_MAX];
    v1_dir(dir, sizeof dir, controller, path);
    /* A cgroup with neither processes nor children (most, by the time they are removed): one rmdir. */
    return rmdir(dir) < 0 && errno != ENOENT ? runtime_cgroup_kill_and_remove(dir, err) : 0;
}

static int v1_destroy(const char *path, husk_error *err)
{
    /* Kill through the pids hierarchy first (every process is in it), then remove every hierarchy's dir. */
    if (remove_one("pids", path, err) < 0)
        return -1;
    for (size_t i = 0; i < V1_CONTROLLER_COUNT; i++)
        if (v1_hierarchy(i) && remove_one(v1_controllers[i], path, err) < 0)
            return -1;
    for (size_t i = 0; i < sizeof v1_former_controllers / sizeof v1_former_controllers[0]; i++)
        if (remove_one(v1_former_controllers[i], path, err) < 0)
            return -1;
    return 0;
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
};
