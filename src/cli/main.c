/* Dispatch of `husk VERB ...` and the global flags (--help, --version). */
#include "cli/cli.h"

#include "base/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_overview(FILE *out)
{
    fprintf(out, "husk: a small pod engine that runs Kubernetes pods on one Linux machine.\n\n"
                 "Usage: husk VERB [FLAGS...]\n\nVerbs:\n");
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'husk help VERB' for the flags of a verb.\n");
}

int cli_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 2)
        return cli_usage_error("help", "expected at most one verb, got %d arguments", argc - 1);
    const struct cli_command *c = cli_find_command(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "husk help: unknown verb '%s'\nRun 'husk --help' for the list of verbs.\n", argv[1]);
        return CLI_EXIT_USAGE;
    }
    fputs(c->usage, stdout);
    return CLI_EXIT_OK;
}

int cli_exec_program(const char *env_name, const char *program, const char *verb, char **argv)
{
    char path[4096];
    if (husk_program_path(env_name, program, path, sizeof path)) {
        argv[0] = path;
        execv(path, argv);
    }
    return cli_fail("'husk %s' is run by %s, which cannot be run: %s", verb, path, strerror(errno));
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
        return cli_cmd_help(1, argv + 1);
    if (strcmp(verb, "--version") == 0)
        return cli_cmd_version(1, argv + 1);
    const struct cli_command *c = cli_find_command(verb);
    if (c == NULL) {
        fprintf(stderr, "husk: unknown verb '%s'\nRun 'husk --help' for the list of verbs.\n", verb);
        return CLI_EXIT_USAGE;
    }
    /* `husk VERB --help` shows the verb's usage, as kubectl and podman do. */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(c->usage, stdout);
            return CLI_EXIT_OK;
        }
    }
    /* A verb this binary was linked without (see commands.c): husk-image has it, with the same command line.
     */
    if (c->run == NULL)
        return cli_exec_program("HUSK_IMAGE", "husk-image", verb, argv);
    return c->run(argc - 1, argv + 1);
}
