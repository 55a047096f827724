/* Translation of a Kubernetes pod into the runtime's C structs: the sandbox (namespaces, hostname,
 * generated /etc files, pod cgroup limits) and each container (rootfs layers, command, env, user,
 * mounts, security context, resources). Strings live in the caller's arena. */
#ifndef HUSK_NODE_POD_CONFIG_H
#define HUSK_NODE_POD_CONFIG_H

#include "base/arena.h"
#include "base/error.h"
#include "image/config.h"
#include "node/env.h"
#include "runtime/runtime.h"

#include <jansson.h>

/* What the node needs of a container's image. */
struct node_image_info {
    const char *const *layers;         /* unpacked layer dirs, lowest first, NULL-terminated */
    const struct image_config *config; /* Entrypoint, Cmd, Env, WorkingDir, User, StopSignal; may be NULL */
};

/* Fills ret from pod; pod_dir holds the pod's volumes and the runtime state dir (POD_DIR/sandbox). */
int node_sandbox_config(const json_t *pod, const char *pod_dir, const char *log_dir,
                        const char *host_resolv_conf, const char *pod_ip, struct husk_arena *arena,
                        struct runtime_sandbox_config *ret, husk_error *err);

/* Fills ret for container (an element of spec.containers or spec.initContainers). A failure is what the
 * kubelet reports as CreateContainerConfigError. */
int node_container_config(const json_t *pod, const json_t *container, const struct node_image_info *image,
                          const struct node_pod_facts *facts, const char *pod_dir, const char *log_path,
                          struct husk_arena *arena, struct runtime_container_config *ret, husk_error *err);

/* The process to run: the container's command and args with $(VAR) expanded from env, combined with the
 * image's ENTRYPOINT and CMD by Kubernetes' rules (image_container_command). */
int node_container_argv(const json_t *container, const struct image_config *image_config,
                        const char *const *env, struct husk_arena *arena, const char ***ret_argv,
                        husk_error *err);

/* SIGTERM, SIGQUIT, "QUIT", "15" -> the signal number; 0 when text is NULL or unknown. */
int node_parse_signal(const char *text);

#endif
