/* A pod's volumes on the node, as the kubelet's volume manager sets them up before any container starts:
 * emptyDir directories under the pod's dir, hostPath type checks (and creation for the *OrCreate types),
 * and the mounts each container asks for. */
#ifndef HUSK_NODE_VOLUMES_H
#define HUSK_NODE_VOLUMES_H

#include "base/arena.h"
#include "base/error.h"
#include "node/env.h"
#include "runtime/runtime.h"

#include <jansson.h>

/* Creates POD_DIR/volumes/NAME for each emptyDir and checks each hostPath. The error reads as the
 * kubelet's FailedMount event: `MountVolume.SetUp failed for volume "data" : ...`. */
int node_volumes_prepare(const json_t *pod, const char *pod_dir, const struct node_pod_facts *facts,
                         husk_error *err);

/* Rewrites the configMap, secret, downwardAPI and projected volumes whose content changed (the kubelet's
 * periodic volume sync); returns how many changed, or -1 with err for the first that failed. */
int node_volumes_refresh(const json_t *pod, const char *pod_dir, const struct node_pod_facts *facts,
                         husk_error *err);

/* Unmounts what node_volumes_prepare mounted (the tmpfs of emptyDir medium Memory). */
void node_volumes_teardown(const json_t *pod, const char *pod_dir);

/* The container's volumeMounts as runtime mounts (subPathExpr expanded with env), plus the termination
 * message file at terminationMessagePath (POD_DIR/containers/NAME/termination-log, created empty). */
int node_container_mounts(const json_t *pod, const json_t *container, const char *const *env,
                          const char *pod_dir, struct husk_arena *arena, struct runtime_mount **ret_mounts,
                          size_t *ret_count, husk_error *err);

/* Where a container's termination message is written: POD_DIR/containers/NAME/termination-log. */
char *node_termination_log_path(const char *pod_dir, const char *container, struct husk_arena *arena);

#endif
