/* The table of verbs. Add a verb here and in cli.h; its code lives in a file named for it. */
#include "cli/cli.h"

#include <string.h>

const struct cli_command cli_commands[] = {
    {"version", "Print the husk version", "Usage: husk version\n\nPrints the version of husk.\n",
     cli_cmd_version},
    {"help", "Show help for a verb",
     "Usage: husk help [VERB]\n\nShows the verbs, or the usage of one verb.\n", cli_cmd_help},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_find_command(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}
