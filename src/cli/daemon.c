/* `husk daemon`: flags only; the daemon itself is api_daemon_run (src/api/daemon.c). */
#include "api/daemon.h"
#include "api/server.h"
#include "cli/cli.h"
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

int cli_cmd_daemon(int argc, char **argv)
{
    static const char *const flags[] = {"--data-dir", "--manifest-dir", "--node-name", "--listen",
                                        "--cgroup-parent"};
    const char *values[5] = {"/var/lib/husk", "/etc/husk/manifests", NULL, "127.0.0.1:6443", "husk"};
    bool no_node = false;
    for (int i = 1; i < argc; i++) {
        int missing = 0, matched = 0;
        if (strcmp(argv[i], "--no-node") == 0) {
            no_node = true;
            continue;
        }
        for (size_t f = 0; f < 5 && !matched; f++) {
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
    if (values[2] == NULL) {
        /* The kubelet lowercases the host name too: node names are DNS subdomains. */
        gethostname(hostname, sizeof hostname - 1);
        for (char *p = hostname; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        values[2] = hostname;
    }
    char host[64];
    struct api_daemon_config c = {.data_dir = values[0],
                                  .manifest_dir = values[1],
                                  .node_name = values[2],
                                  .cgroup_parent = values[4],
                                  .run_node = !no_node};
    husk_error err = {0};
    if (api_parse_listen(values[3], host, sizeof host, &c.listen_port, &err) < 0)
        return cli_usage_error("daemon", "%s", err.message);
    c.listen_host = host;
    if (values[0][0] == '\0' || values[2][0] == '\0')
        return cli_usage_error("daemon", "--data-dir and --node-name must not be empty");
    if (api_daemon_run(&c, &err) < 0) {
        log_error("daemon: %s", err.message);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}
