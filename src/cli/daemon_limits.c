/* `husk daemon`'s flags for the node's limits, named as the kubelet's: --container-log-max-size,
 * --container-log-max-files, --pod-pids-limit, --eviction-hard. */
#include "cli/cli.h"
#include "cli/daemon_limits.h"

#include <stdlib.h>
#include <string.h>

static const char *const limit_flags[] = {"--container-log-max-size", "--container-log-max-files",
                                          "--pod-pids-limit", "--eviction-hard"};
#define LIMIT_FLAGS (sizeof limit_flags / sizeof limit_flags[0])

/* The flag's value ("--flag value" or "--flag=value") and which flag it is; -1 when argv[*i] is none. */
static int match(int argc, char **argv, int *i, const char **ret_value)
{
    for (size_t f = 0; f < LIMIT_FLAGS; f++) {
        size_t n = strlen(limit_flags[f]);
        if (strncmp(argv[*i], limit_flags[f], n) != 0)
            continue;
        if (argv[*i][n] == '=') {
            *ret_value = argv[*i] + n + 1;
            return (int)f;
        }
        if (argv[*i][n] == '\0') {
            *ret_value = *i + 1 < argc ? argv[++*i] : NULL;
            return (int)f;
        }
    }
    return -1;
}

static int parse_count(const char *text, long min, long *ret)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < min)
        return -1;
    *ret = v;
    return 0;
}

int cli_daemon_limit_flag(int argc, char **argv, int *i, struct node_limits *limits)
{
    const char *value = NULL;
    int f = match(argc, argv, i, &value);
    if (f < 0)
        return 0;
    if (value == NULL)
        return -cli_usage_error("daemon", "flag needs an argument: %s", limit_flags[f]);
    husk_error err = {0};
    long n = 0;
    switch (f) {
    case 0:
        if (node_limits_parse_size(value, &limits->container_log_max_bytes, &err) < 0)
            return -cli_usage_error("daemon", "--container-log-max-size: %s", err.message);
        break;
    case 1:
        if (parse_count(value, 2, &n) < 0)
            return -cli_usage_error("daemon", "--container-log-max-files must be an integer of 2 or more: %s",
                                    value);
        limits->container_log_max_files = (int)n;
        break;
    case 2:
        if (parse_count(value, -1, &n) < 0 || n == 0)
            return -cli_usage_error("daemon", "--pod-pids-limit must be a positive integer or -1: %s", value);
        limits->pod_pids_limit = n;
        break;
    default:
        if (node_limits_parse_eviction_hard(value, limits, &err) < 0)
            return -cli_usage_error("daemon", "--eviction-hard: %s", err.message);
        break;
    }
    return 1;
}
