/* The daemon from its flags: husk-daemon's main (src/husk_daemon.c); the daemon itself is api_daemon_run
 * (src/api/daemon.c). */
#include "api/daemon.h"
#include "api/server.h"
#include "cli/cli.h"
#include "cli/daemon_limits.h"
#include "base/log.h"

#include <ctype.h>
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
    F_SANDBOX_POOL,
    F_COUNT
};

int cli_daemon_run(int argc, char **argv)
{
    static const char *const flags[F_COUNT] = {
        "--data-dir",     "--manifest-dir", "--node-name",   "--listen",   "--cgroup-parent",
        "--cni-conf-dir", "--cni-bin-dir",  "--cni-network", "--pod-cidr", "--sandbox-pool"};
    const char *values[F_COUNT] = {
        "/var/lib/husk",  "/etc/husk/manifests",       NULL,   "127.0.0.1:6443", "husk",
        "/etc/cni/net.d", "/usr/lib/cni:/opt/cni/bin", "husk", "10.85.0.0/16",   "1"};
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
    char *end = NULL;
    long pool = strtol(values[F_SANDBOX_POOL], &end, 10);
    if (end == values[F_SANDBOX_POOL] || *end != '\0' || pool < 0 || pool > 8)
        return cli_usage_error("daemon", "--sandbox-pool: '%s' is not a number from 0 to 8",
                               values[F_SANDBOX_POOL]);
    c.sandbox_pool = (int)pool;
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
