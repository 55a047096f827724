/* Usage figures of a pod's cgroup for the node's eviction manager. The working set is what the kubelet's
 * summary API reports and its memory signals use (cAdvisor): usage less the inactive file cache, which
 * the kernel can reclaim without harm. */
#include "runtime/cgroup.h"
#include "runtime/runtime.h"

#include "base/cleanup.h"
#include "runtime/files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int read_number(const char *path, int64_t *ret, husk_error *err)
{
    cleanup_free char *text = NULL;
    if (runtime_read_file(path, 64, &text, err) < 0)
        return -1;
    *ret = strtoll(text, NULL, 10);
    return 0;
}

int runtime_cgroup_memory_working_set(const char *cgroup_path, int64_t *ret_bytes, husk_error *err)
{
    const struct runtime_cgroup_manager *cgroups = NULL;
    if (runtime_cgroup_manager_get(&cgroups, err) < 0)
        return -1;
    bool v2 = cgroups == &runtime_cgroup_v2;
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s%s", v2 ? "" : "memory/", cgroup_path);
    snprintf(path, sizeof path, "%s/%s", dir, v2 ? "memory.current" : "memory.usage_in_bytes");
    int64_t usage = 0;
    long inactive = 0;
    if (read_number(path, &usage, err) < 0)
        return -1;
    husk_error ignored = {0};
    if (runtime_cgroup_read_key(dir, "memory.stat", v2 ? "inactive_file" : "total_inactive_file", &inactive,
                                &ignored) < 0)
        inactive = 0;
    *ret_bytes = usage > inactive ? usage - inactive : 0;
    return 0;
}
