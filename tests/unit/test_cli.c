/* Unit tests for the verb table and dispatch (src/cli). */
#include "cli/cli.h"
#include "harness.h"

TEST(cli_finds_known_verbs)
{
    CHECK(cli_find_command("version") != NULL);
    CHECK(cli_find_command("help") != NULL);
    CHECK(cli_find_command("frobnicate") == NULL);
}

/* The whole table, as husk-image has it: husk itself is linked without the image verb (commands.c). */
__attribute__((used)) static int (*const image_verb)(int, char **) = cli_cmd_image;

TEST(cli_every_verb_has_summary_and_usage)
{
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++) {
        CHECK(c->summary != NULL && c->summary[0] != '\0');
        CHECK(c->usage != NULL && strncmp(c->usage, "Usage: husk ", 12) == 0);
        CHECK(c->run != NULL);
    }
}

TEST(cli_unknown_verb_is_usage_error)
{
    char *argv[] = {"husk", "frobnicate", NULL};
    CHECK_INT_EQ(cli_main(2, argv), CLI_EXIT_USAGE);
}

TEST(cli_no_verb_is_usage_error)
{
    char *argv[] = {"husk", NULL};
    CHECK_INT_EQ(cli_main(1, argv), CLI_EXIT_USAGE);
}
