/* The pod phase from the pod's spec and its container statuses, as the kubelet's getPhase computes it
 * (pkg/kubelet/kubelet_pods.go), including native sidecars (KEP-753). */
#ifndef HUSK_NODE_PHASE_H
#define HUSK_NODE_PHASE_H

#include <jansson.h>
#include <stdbool.h>

/* statuses: the containerStatuses and initContainerStatuses entries, in Kubernetes' JSON shape, merged
 * into one array. pod_is_terminal: the pod will run nothing more (deleted, or deadline exceeded). Returns
 * "Pending", "Running", "Succeeded" or "Failed". */
const char *node_pod_phase(const json_t *pod, const json_t *statuses, bool pod_is_terminal);

/* The status entry named name in statuses, or NULL. */
json_t *node_find_status(const json_t *statuses, const char *name);

#endif
