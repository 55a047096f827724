/* The handlers the kubelet runs against a container, for probes and lifecycle hooks
 * (pkg/kubelet/prober, pkg/kubelet/lifecycle): exec in the container, an HTTP GET or a TCP connect to
 * the pod (on its localhost, from inside its network namespace, until pods have addresses), and sleep. */
#ifndef HUSK_NODE_ACTION_H
#define HUSK_NODE_ACTION_H

#include "runtime/runtime.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Runs the handler (a Probe or LifecycleHandler object: exec / httpGet / tcpSocket / sleep) for container
 * (its spec, for named ports) within timeout_seconds. Returns true on success; message says why not. */
bool node_action_run(const struct runtime_sandbox *sandbox, const json_t *container, const json_t *handler,
                     int timeout_seconds, char *message, size_t message_size);

#endif
