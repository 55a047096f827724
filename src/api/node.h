/* What the daemon puts in the store at start: the built-in namespaces (default, kube-system, kube-public,
 * kube-node-lease) and this machine's Node object, whose status it refreshes as a heartbeat. */
#ifndef HUSK_API_NODE_H
#define HUSK_API_NODE_H

#include "api/store.h"
#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>

/* How often the Node's conditions get a fresh lastHeartbeatTime. */
#define API_NODE_HEARTBEAT_SECONDS 20

/* Creates the built-in namespaces that are missing. */
int api_bootstrap_namespaces(store *s, husk_error *err);

/* Creates the Node, or refreshes its status (capacity, addresses, conditions) keeping its identity. */
int api_node_register(store *s, const char *node_name, husk_error *err);

/* Refreshes lastHeartbeatTime on the Node's conditions. */
int api_node_heartbeat(store *s, const char *node_name, husk_error *err);

/* node_pressure.c: the MemoryPressure and DiskPressure conditions the eviction manager reports, with their
 * taints; the taints derived from spec.unschedulable and those conditions (every write of a Node goes
 * through it, so that `kubectl cordon` taints the node); an event about the Node. */
int api_node_set_pressure(store *s, const char *node_name, bool memory, bool disk, husk_error *err);
void api_node_sync_taints(json_t *node);
int api_node_event(store *s, const char *node_name, const char *type, const char *reason, const char *message,
                   husk_error *err);

#endif
