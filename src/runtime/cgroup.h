/* cgroups behind one interface (crun's libcrun_cgroup_manager): a table of functions per backend, v1
 * (one hierarchy per controller, as on hybrid hosts, whose hugetlb-only cgroup2 mount is ignored) and v2
 * (the unified hierarchy), chosen by probing /sys/fs/cgroup. Paths are relative to the cgroup root(s):
 * "husk/pod-UID/NAME". Private to src/runtime. */
#ifndef HUSK_RUNTIME_CGROUP_H
#define HUSK_RUNTIME_CGROUP_H

#include "base/error.h"
#include "runtime/runtime.h"

#include <stdbool.h>
#include <sys/types.h>

struct runtime_cgroup_manager {
    const char *name; /* "v1" or "v2" */
    /* Creates the cgroup and any missing ancestors; an existing one is fine. */
    int (*create)(const char *path, husk_error *err);
    int (*set_resources)(const char *path, const struct runtime_resources *resources, husk_error *err);
    /* Moves a process into the cgroup; 0 is the caller, which must be single-threaded (a child just
     * forked). */
    int (*enter)(const char *path, pid_t pid, husk_error *err);
    /* How many times the kernel's OOM killer killed a process of this cgroup. */
    int (*oom_kill_count)(const char *path, long *ret_count, husk_error *err);
    /* Whether any process is left in the cgroup or below. */
    int (*populated)(const char *path, bool *ret_populated, husk_error *err);
    /* Kills every process in the cgroup and its descendants, then removes them all; missing is fine. */
    int (*destroy)(const char *path, husk_error *err);
    /* Renames a cgroup within its parent, with its processes (a spare sandbox becomes a pod's: see
     * sandbox_pool.c); all or nothing. NULL where the kernel cannot (cgroup2 has no rename). */
    int (*rename)(const char *from, const char *to, husk_error *err);
};

extern const struct runtime_cgroup_manager runtime_cgroup_v1;
extern const struct runtime_cgroup_manager runtime_cgroup_v2;

/* The backend for this host: v2 when /sys/fs/cgroup is a cgroup2 mount, else v1. */
int runtime_cgroup_manager_get(const struct runtime_cgroup_manager **ret_manager, husk_error *err);

/* Helpers the backends share (cgroup.c). DIR is an absolute cgroup directory. */
int runtime_cgroup_write(const char *dir, const char *file, const char *value, husk_error *err);
int runtime_cgroup_read_key(const char *dir, const char *file, const char *key, long *ret_value,
                            husk_error *err);
/* Sends SIGKILL to every process listed in DIR/cgroup.procs until it is empty, then removes DIR,
 * children first. */
int runtime_cgroup_kill_and_remove(const char *dir, husk_error *err);
/* Removes DIR and its child cgroups, retrying while exiting processes leave them. */
int runtime_cgroup_remove_dir(const char *dir, husk_error *err);
int runtime_cgroup_dir_populated(const char *dir, bool *ret_populated, husk_error *err);

#endif
