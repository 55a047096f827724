/* `husk daemon`: flags only; the daemon itself is api_daemon_run (src/api/daemon.c). The verb execs the
 * program husk-daemon (src/husk_daemon.c), which links only what the daemon needs, so the daemon does not
 * map the CLI's libraries (libcurl, libarchive); both parse the flags here. */
#include "api/daemon.h"
#include "api/server.h"
#include "cli/cli.h"
#include "cli/daemon_limits.h"
#include "base/fs.h"
#include "base/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "--flag value" or "--flag=value"; returns the value, or NULL (and leaves *i) when argv[*i] is not flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag, int *missing)
{
    size_t n = strlen(flag);
    if (argv[*i] == NULL || strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

enum {
    F_DATA_DIR,
    F_MANIFEST_DIR,
    F_NODE_NAME,
    F_LISTEN,
    F_CGROUP_PARENT,
    F_CNI_CONF_DIR,
    F_CNI_BIN_DIR,
    F_CNI_NETWORK,
    F_POD_CIDR,
    F_COUNT
};

const char cli_daemon_usage[] =
    "Usage: husk daemon [--data-dir DIR] [--manifest-dir DIR] [--node-name NAME] [--listen ADDR:PORT]\n"
    "                   [--cgroup-parent NAME] [--no-node] [--cni-conf-dir DIR] [--cni-bin-dir DIRS]\n"
    "                   [--cni-network NAME] [--pod-cidr CIDR] [--no-pod-network] [limits...]\n\n"
    "Serves the Kubernetes API on DATA_DIR/husk.sock (root only, for husk) and over TLS on\n"
    "--listen (default 127.0.0.1:6443, bearer token) with objects in DATA_DIR/store.db. On first\n"
    "start it makes a CA and writes an admin kubeconfig to DATA_DIR/kubeconfig.yaml for kubectl.\n"
    "Defaults: --data-dir /var/lib/husk, --manifest-dir /etc/husk/manifests, --node-name the host\n"
    "name. Logs to stderr; SIGTERM stops it.\n\n"
    "The node agent runs the pods bound to this node (unbound pods are bound here) and the static pods\n"
    "of --manifest-dir, with their cgroups under --cgroup-parent (default husk). Pods keep running when\n"
    "the daemon stops; the next daemon takes them up again. --no-node serves the API only.\n\n"
    "Limits, as the kubelet's flags: --container-log-max-size (10Mi) and --container-log-max-files (5)\n"
    "rotate container logs; --pod-pids-limit (4096, -1 for none) is each pod's pids.max; --eviction-hard\n"
    "('memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%'; SIGNAL<Q\n"
    "or SIGNAL<P%, comma-separated; empty for none) evicts pods when the node runs low.\n\n"
    "Pod network, through CNI: the conflist named --cni-network (husk) in --cni-conf-dir\n"
    "(/etc/cni/net.d), its plugins from --cni-bin-dir (/usr/lib/cni:/opt/cni/bin). When the network is\n"
    "the default one and missing, it is written: bridge husk0 on --pod-cidr (10.85.0.0/16) with\n"
    "host-local, portmap (hostPort) and firewall. --no-pod-network: pods have their loopback only.\n";

int cli_daemon_run(int argc, char **argv)
{
    static const char *const flags[F_COUNT] = {"--data-dir",    "--manifest-dir",  "--node-name",
                                               "--listen",      "--cgroup-parent", "--cni-conf-dir",
                                               "--cni-bin-dir", "--cni-network",   "--pod-cidr"};
    const char *values[F_COUNT] = {
        "/var/lib/husk",  "/etc/husk/manifests",       NULL,   "127.0.0.1:6443", "husk",
        "/etc/cni/net.d", "/usr/lib/cni:/opt/cni/bin", "husk", "10.85.0.0/16"};
    bool no_node = false, no_pod_network = false;
    struct node_limits limits;
    node_limits_default(&limits);
    for (int i = 1; i < argc; i++) {
        int missing = 0, matched = cli_daemon_limit_flag(argc, argv, &i, &limits);
        if (matched < 0)
            return -matched;
        if (strcmp(argv[i], "--no-node") == 0) {
            no_node = true;
            continue;
        }
        if (strcmp(argv[i], "--no-pod-network") == 0) {
            no_pod_network = true;
            continue;
        }
        for (size_t f = 0; f < F_COUNT && !matched; f++) {
            const char *v = flag_value(argc, argv, &i, flags[f], &missing);
            if (missing)
                return cli_usage_error("daemon", "flag needs an argument: %s", flags[f]);
            if (v != NULL) {
                values[f] = v;
                matched = 1;
            }
        }
        if (!matched)
            return cli_usage_error("daemon", "unknown argument: %s", argv[i]);
    }
    char hostname[256] = "localhost";
    if (values[F_NODE_NAME] == NULL) {
        /* The kubelet lowercases the host name too: node names are DNS subdomains. */
        gethostname(hostname, sizeof hostname - 1);
        for (char *p = hostname; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        values[F_NODE_NAME] = hostname;
    }
    char host[64];
    struct api_daemon_config c = {.data_dir = values[F_DATA_DIR],
                                  .manifest_dir = values[F_MANIFEST_DIR],
                                  .node_name = values[F_NODE_NAME],
                                  .cgroup_parent = values[F_CGROUP_PARENT],
                                  .run_node = !no_node,
                                  .pod_network = !no_pod_network,
                                  .cni = {.conf_dir = values[F_CNI_CONF_DIR],
                                          .bin_path = values[F_CNI_BIN_DIR],
                                          .network = values[F_CNI_NETWORK],
                                          .subnet = values[F_POD_CIDR]}};
    c.limits = &limits;
    husk_error err = {0};
    if (api_parse_listen(values[F_LISTEN], host, sizeof host, &c.listen_port, &err) < 0)
        return cli_usage_error("daemon", "%s", err.message);
    c.listen_host = host;
    if (values[F_DATA_DIR][0] == '\0' || values[F_NODE_NAME][0] == '\0')
        return cli_usage_error("daemon", "--data-dir and --node-name must not be empty");
    if (api_daemon_run(&c, &err) < 0) {
        log_error("daemon: %s", err.message);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

int cli_cmd_daemon(int argc, char **argv)
{
    /* Exec'd in place, with the same arguments: the daemon keeps this process's PID (scripts record $!). */
    char path[4096];
    if (husk_program_path("HUSK_DAEMON", "husk-daemon", path, sizeof path)) {
        argv[0] = path;
        execv(path, argv);
    }
    log_warn("daemon: cannot run %s (%s); running the daemon in this process", path, strerror(errno));
    argv[0] = "daemon";
    return cli_daemon_run(argc, argv);
}
