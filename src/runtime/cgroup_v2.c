/* The cgroup v2 backend: the unified hierarchy at /sys/fs/cgroup. Controllers must be enabled in every
 * ancestor's cgroup.subtree_control before a cgroup can use them. */
#include "runtime/cgroup.h"

#include "base/cleanup.h"
#include "runtime/files.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V2_ROOT "/sys/fs/cgroup"

static void v2_dir(char *out, size_t size, const char *path)
{
    snprintf(out, size, V2_ROOT "/%s", path);
}

/* Enables in dir's subtree_control whichever of our controllers dir itself has. */
static int enable_controllers(const char *dir, husk_error *err)
{
    static const char *const wanted[] = {"cpu", "memory", "pids", "cpuset"};
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    cleanup_free char *available = NULL;
    if (runtime_read_file(path, 4096, &available, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        size_t n = strlen(wanted[i]);
        const char *p = available;
        bool found = false;
        while (!found && (p = strstr(p, wanted[i])) != NULL) {
            found = (p == available || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0');
            p += n;
        }
        if (!found)
            continue;
        char value[32];
        snprintf(value, sizeof value, "+%s", wanted[i]);
        if (runtime_cgroup_write(dir, "cgroup.subtree_control", value, err) < 0)
            return -1;
    }
    return 0;
}

static int v2_create(const char *path, husk_error *err)
{
    char dir[PATH_MAX];
    v2_dir(dir, sizeof dir, path);
    size_t base = strlen(V2_ROOT);
    if (enable_controllers(V2_ROOT, err) < 0)
        return -1;
    for (char *p = dir + base + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return husk_error_set_errno(err, errno, "creating cgroup %s", dir);
        *p = saved;
        if (saved == '\0')
            return 0;
        /* dir is now an ancestor of the target: its children need the controllers. */
        *p = '\0';
        int r = enable_controllers(dir, err);
        *p = saved;
        if (r < 0)
            return -1;
    }
}

static int write_if_set(const char *dir, const char *file, long long value, husk_error *err)
{
    char text[64];
    snprintf(text, sizeof text, "%lld", value);
    return value > 0 ? runtime_cgroup_write(dir, file, text, err) : 0;
}

static int v2_set_resources(const char *path, const struct runtime_resources *r, husk_error *err)
{
    char dir[PATH_MAX];
    v2_dir(dir, sizeof dir, path);
    if (write_if_set(dir, "memory.max", r->memory_limit_bytes, err) < 0)
        return -1;
    char swap[PATH_MAX + 64];
    snprintf(swap, sizeof swap, "%s/memory.swap.max", dir);
    if (r->memory_limit_bytes > 0 && access(swap, F_OK) == 0 &&
        runtime_cgroup_write(dir, "memory.swap.max", "0", err) < 0)
        return -1;
    /* The conversion of shares [2, 262144] to weight [1, 10000] that runc and the kubelet use. */
    if (r->cpu_shares > 0 &&
        write_if_set(dir, "cpu.weight", 1 + ((long long)r->cpu_shares - 2) * 9999 / 262142, err) < 0)
        return -1;
    if (r->cpu_quota_us > 0) {
        char value[64];
        snprintf(value, sizeof value, "%lld %llu", (long long)r->cpu_quota_us,
                 (unsigned long long)(r->cpu_period_us ? r->cpu_period_us : 100000));
        if (runtime_cgroup_write(dir, "cpu.max", value, err) < 0)
            return -1;
    }
    return write_if_set(dir, "pids.max", r->pids_limit, err);
}

static int v2_enter(const char *path, pid_t pid, husk_error *err)
{
    char dir[PATH_MAX], value[32];
    v2_dir(dir, sizeof dir, path);
    snprintf(value, sizeof value, "%d", (int)pid);
    return runtime_cgroup_write(dir, "cgroup.procs", value, err);
}

static int v2_oom_kill_count(const char *path, long *ret_count, husk_error *err)
{
    char dir[PATH_MAX];
    v2_dir(dir, sizeof dir, path);
    return runtime_cgroup_read_key(dir, "memory.events", "oom_kill", ret_count, err);
}

static int v2_populated(const char *path, bool *ret_populated, husk_error *err)
{
    char dir[PATH_MAX];
    v2_dir(dir, sizeof dir, path);
    return runtime_cgroup_dir_populated(dir, ret_populated, err);
}

static int v2_destroy(const char *path, husk_error *err)
{
    char dir[PATH_MAX], kill_file[PATH_MAX + 64];
    v2_dir(dir, sizeof dir, path);
    snprintf(kill_file, sizeof kill_file, "%s/cgroup.kill", dir);
    /* cgroup.kill (Linux 5.14) kills the whole subtree atomically, forks included. */
    if (access(kill_file, F_OK) == 0 && runtime_cgroup_write(dir, "cgroup.kill", "1", err) < 0)
        return -1;
    return runtime_cgroup_kill_and_remove(dir, err);
}

const struct runtime_cgroup_manager runtime_cgroup_v2 = {
    .name = "v2",
    .create = v2_create,
    .set_resources = v2_set_resources,
    .enter = v2_enter,
    .oom_kill_count = v2_oom_kill_count,
    .populated = v2_populated,
    .destroy = v2_destroy,
};
