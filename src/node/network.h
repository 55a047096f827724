/* A pod on the CNI network: attaching its pinned network namespace after the sandbox is created,
 * detaching it before the sandbox goes, and what the node needs in between (the pod's IPs). Each
 * attachment has a record (DATA_DIR/network/UID.json: the conflist used, CNI_ARGS, the port mappings and
 * the ADD result), written before the ADD and removed after the DEL, so that the DEL gets exactly what the
 * ADD got across daemon restarts and config changes, and no attachment outlives its pod unnoticed. */
#ifndef HUSK_NODE_NETWORK_H
#define HUSK_NODE_NETWORK_H

#include "base/error.h"
#include "node/cni.h"

#include <jansson.h>
#include <stdbool.h>

/* runtimeConfig.portMappings from the containers' ports with a hostPort (a new array, maybe empty). */
json_t *node_network_port_mappings(const json_t *pod);

/* The pod's IPs in a CNI result: addresses of interfaces inside the sandbox, IPv4 first, without the
 * prefix length (a new array of strings). */
json_t *node_network_result_ips(const json_t *result);

/* ADD, recorded at record_path; *ret_ips then holds the pod's IPs. A failed ADD is undone (DEL). */
int node_network_attach(struct node_cni *cni, const json_t *pod, const char *record_path, const char *netns,
                        json_t **ret_ips, husk_error *err);

/* DEL of what the record holds (no record: nothing to do), then the record is removed; netns NULL when
 * the namespace is gone. A failed DEL keeps the record, for the next try. */
int node_network_detach(struct node_cni *cni, const char *record_path, const char *netns, husk_error *err);

/* DATA_DIR/network/UID.json, where the worker keeps a pod's attachment record. */
void node_network_record_path(const char *data_dir, const char *uid, char *buf, size_t size);

/* node_network_detach of pod uid's record, in the network namespace pinned in its sandbox's state dir
 * (if it is still there); for a sandbox about to be removed. */
int node_network_detach_pod(struct node_cni *cni, const char *data_dir, const char *uid,
                            const char *state_dir, husk_error *err);

/* The IPs of a completed attachment; *ret NULL when there is none (no record, or an ADD cut short). */
int node_network_recorded_ips(const char *record_path, json_t **ret_ips);

/* Deletes the attachments recorded in record_dir whose pod is gone (live(data, uid) false): what a crash
 * between an ADD and the pod's removal left. */
void node_network_reconcile(struct node_cni *cni, const char *record_dir,
                            bool (*live)(void *data, const char *uid), void *data);

#endif
