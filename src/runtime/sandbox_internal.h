/* What sandbox.c, sandbox_pool.c and container.c share. Private to src/runtime. */
#ifndef HUSK_RUNTIME_SANDBOX_INTERNAL_H
#define HUSK_RUNTIME_SANDBOX_INTERNAL_H

#include "runtime/runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* Makes the state dir, the cgroup at cgroup_path and the supervisor; a spare's (sandbox_pool.c) with room in
 * its command line to name a longer state dir later. */
int runtime_sandbox_start(const struct runtime_sandbox_config *config, const char *cgroup_path, bool spare,
                          struct runtime_sandbox **ret_sandbox, husk_error *err);

/* Containers made ahead in a spare: dirs (with their subdirs) in its state dir,
 * STATE_DIR/containers/.ahead-N, and where cgroups can be renamed (v1) cgroups under its own,
 * CGROUP/.ahead-N; its pod's first containers take them by renames (container.c). Best effort. */
#define RUNTIME_CONTAINERS_AHEAD 2
void runtime_containers_ahead(const char *state_dir, const char *cgroup);

/* PARENT/pod-UID; -1 when it does not fit. */
int runtime_sandbox_pod_cgroup(const struct runtime_sandbox_config *config, char *buf, size_t size);

/* STATE_DIR/etc/{hosts,hostname,resolv.conf} from the config (those it has). */
int runtime_sandbox_write_etc_files(const struct runtime_sandbox_config *config, const char *state_dir,
                                    husk_error *err);

/* Gives the pod of config a spare sandbox, made its own; 0 when done, -1 when there was none or making it
 * the pod's failed (the spare is then removed, and the caller makes a sandbox afresh). */
int runtime_sandbox_pool_adopt(struct runtime_sandbox_pool *pool, const struct runtime_sandbox_config *config,
                               struct runtime_sandbox **ret_sandbox);

#endif
