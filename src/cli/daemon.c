/* `husk daemon`: its usage, and the exec of the program husk-daemon (src/husk_daemon.c, the daemon's flags in
 * daemon_run.c), which alone links the daemon, so `husk` maps none of its libraries (SQLite, libmicrohttpd,
 * GnuTLS). */
#include "cli/cli.h"

const char cli_daemon_usage[] =
    "Usage: husk daemon [--data-dir DIR] [--manifest-dir DIR] [--node-name NAME] [--listen ADDR:PORT]\n"
    "                   [--cgroup-parent NAME] [--no-node] [--cni-conf-dir DIR] [--cni-bin-dir DIRS]\n"
    "                   [--cni-network NAME] [--pod-cidr CIDR] [--no-pod-network] [--sandbox-pool N]\n"
    "                   [limits...]\n\n"
    "Serves the Kubernetes API on DATA_DIR/husk.sock (root only, for husk) and over TLS on\n"
    "--listen (default 127.0.0.1:6443, bearer token) with objects in DATA_DIR/store.db. On first\n"
    "start it makes a CA and writes an admin kubeconfig to DATA_DIR/kubeconfig.yaml for kubectl.\n"
    "Defaults: --data-dir /var/lib/husk, --manifest-dir /etc/husk/manifests, --node-name the host\n"
    "name. Logs to stderr; SIGTERM stops it.\n\n"
    "The node agent runs the pods bound to this node (unbound pods are bound here) and the static pods\n"
    "of --manifest-dir, with their cgroups under --cgroup-parent (default husk). Pods keep running when\n"
    "the daemon stops; the next daemon takes them up again. --no-node serves the API only.\n"
    "--sandbox-pool N (0 to 8, default 1) keeps N pod sandboxes started ahead, which a new pod takes in\n"
    "place of starting one (on cgroup v1, which can rename a cgroup; cgroup2 cannot).\n\n"
    "Limits, as the kubelet's flags: --container-log-max-size (10Mi) and --container-log-max-files (5)\n"
    "rotate container logs; --pod-pids-limit (4096, -1 for none) is each pod's pids.max; --eviction-hard\n"
    "('memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%'; SIGNAL<Q\n"
    "or SIGNAL<P%, comma-separated; empty for none) evicts pods when the node runs low.\n\n"
    "Pod network, through CNI: the conflist named --cni-network (husk) in --cni-conf-dir\n"
    "(/etc/cni/net.d), its plugins from --cni-bin-dir (/usr/lib/cni:/opt/cni/bin). When the network is\n"
    "the default one and missing, it is written: bridge husk0 on --pod-cidr (10.85.0.0/16) with\n"
    "host-local, portmap (hostPort) and firewall. --no-pod-network: pods have their loopback only.\n";

int cli_cmd_daemon(int argc, char **argv)
{
    (void)argc;
    /* Exec'd in place, with the same arguments: the daemon keeps this process's PID (scripts record $!). */
    return cli_exec_program("HUSK_DAEMON", "husk-daemon", "daemon", argv);
}
