/* The husk-daemon program: the node agent and API server alone, which `husk daemon` execs. It links only
 * what the daemon references, so none of husk-image's libraries (libcurl, libarchive) are mapped in it. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_daemon_usage, stdout);
            return CLI_EXIT_OK;
        }
    return cli_daemon_run(argc, argv);
}
