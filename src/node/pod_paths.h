/* Where a pod's files are, for the agent, the API's log reader and `husk exec`: the log of the container's
 * instance with the given restart count (DATA_DIR/logs/NS_NAME_UID/CONTAINER/N.log) and the runtime state
 * dir of the pod's sandbox (DATA_DIR/pods/UID/sandbox). Each returns -1 when a name would not make a safe
 * path. */
#ifndef HUSK_NODE_POD_PATHS_H
#define HUSK_NODE_POD_PATHS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

int node_pod_log_path(const char *data_dir, const json_t *pod, const char *container, int64_t restart,
                      char *buf, size_t size);
int node_pod_sandbox_dir(const char *data_dir, const json_t *pod, char *buf, size_t size);

#endif
