/* The files the kubelet generates for every container of a pod: /etc/hosts (kubelet_pods.go
 * managedHostsFileContent), /etc/hostname and /etc/resolv.conf (pkg/kubelet/network/dns: dnsPolicy and
 * dnsConfig). */
#ifndef HUSK_NODE_ETC_FILES_H
#define HUSK_NODE_ETC_FILES_H

#include "base/arena.h"
#include "base/error.h"

#include <jansson.h>

/* The pod's hostname: spec.hostname, else metadata.name, cut to 63 characters as the kubelet does. */
const char *node_pod_hostname(const json_t *pod, struct husk_arena *arena);

/* pod_ip may be NULL while the pod has none. */
char *node_etc_hosts(const json_t *pod, const char *pod_ip, struct husk_arena *arena);

/* host_resolv_conf: the node's /etc/resolv.conf contents (what dnsPolicy Default copies). ClusterFirst on
 * a node without cluster DNS falls back to Default, as the kubelet does. */
int node_resolv_conf(const json_t *pod, const char *host_resolv_conf, struct husk_arena *arena, char **ret,
                     husk_error *err);

#endif
