/* `husk daemon`'s flags for the node's limits (daemon_limits.c). */
#ifndef HUSK_CLI_DAEMON_LIMITS_H
#define HUSK_CLI_DAEMON_LIMITS_H

#include "node/limits.h"

/* When argv[*i] is one of the limit flags, parses it (and its value, advancing *i) into limits and
 * returns 1; 0 when it is not one; -CLI_EXIT_USAGE after printing a usage error. */
int cli_daemon_limit_flag(int argc, char **argv, int *i, struct node_limits *limits);

#endif
