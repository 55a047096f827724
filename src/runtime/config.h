/* The on-disk form of a container's configuration (STATE/containers/NAME/config.json) and of the
 * sandbox's (STATE/sandbox.json): the client writes them, the supervisor and exec read them back. This is
 * the runtime's own format for its own structs, not Kubernetes JSON. Private to src/runtime. */
#ifndef HUSK_RUNTIME_CONFIG_H
#define HUSK_RUNTIME_CONFIG_H

#include "base/error.h"
#include "runtime/runtime.h"

#include <jansson.h>

/* A container config read back from disk; its strings point into json. */
struct runtime_loaded_container {
    json_t *json;
    struct runtime_container_config config;
    const char **string_arrays[5]; /* layers, argv, env, caps add, caps drop */
    gid_t *groups;
    struct runtime_mount *mounts;
};

/* What the supervisor needs of the sandbox config. */
struct runtime_sandbox_info {
    char hostname[256];
    char cgroup_path[1024];
    char log_dir[1024];
    bool share_process_namespace, host_network, host_ipc, host_pid;
};

int runtime_container_config_save(const struct runtime_container_config *config, const char *path,
                                  husk_error *err);
int runtime_container_config_load(const char *path, struct runtime_loaded_container **ret_loaded,
                                  husk_error *err);
void runtime_loaded_container_free(struct runtime_loaded_container *loaded);

int runtime_sandbox_info_save(const struct runtime_sandbox_config *config, const char *cgroup_path,
                              const char *path, husk_error *err);
int runtime_sandbox_info_load(const char *path, struct runtime_sandbox_info *ret_info, husk_error *err);

#endif
