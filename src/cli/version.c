/* `husk version`. */
#include "cli/cli.h"
#include "husk-version.h"

#include <stdio.h>

int cli_cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage_error("version", "takes no arguments");
    printf("husk version %s (commit %s)\n", HUSK_VERSION, HUSK_COMMIT);
    return CLI_EXIT_OK;
}
