/* `husk daemon`: the long-running node agent. It holds DATA_DIR/daemon.lock (flock) so two daemons never
 * share a data dir, opens the store, makes the built-in namespaces, this Node, the CA and the admin
 * kubeconfig, serves the API, and runs one event loop (signalfd for SIGTERM/SIGINT, timerfd for the node
 * heartbeat) until it is told to stop. */
#ifndef HUSK_API_DAEMON_H
#define HUSK_API_DAEMON_H

#include "base/error.h"
#include "node/limits.h"
#include "node/cni.h"

#include <stdbool.h>
#include <stdint.h>

struct api_daemon_config {
    const struct node_limits *limits; /* NULL: the kubelet's defaults */
    const char *data_dir;
    const char *manifest_dir;  /* static pod manifests */
    const char *cgroup_parent; /* pods' cgroups go under it */
    bool run_node;             /* false: serve the API only and run no pods (--no-node) */
    bool pod_network;          /* false: pods get their loopback only (--no-pod-network) */
    int sandbox_pool;          /* spare sandboxes kept ready (--sandbox-pool) */
    struct node_cni_options cni;
    const char *node_name;
    const char *listen_host;
    uint16_t listen_port;
};

/* Runs until SIGTERM or SIGINT; returns 0 on a clean stop, -1 when it cannot start. */
int api_daemon_run(const struct api_daemon_config *config, husk_error *err);

#endif
