/* The husk command line: a table of verbs, each a function that parses its own flags and calls the
 * engine. Exit statuses follow the usual convention: 0 success, 1 failure, 2 usage error. */
#ifndef HUSK_CLI_CLI_H
#define HUSK_CLI_CLI_H

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;               /* one line, for `husk --help` */
    const char *usage;                 /* the full text of `husk help VERB` */
    int (*run)(int argc, char **argv); /* argv[0] is the verb */
};

/* The verbs, terminated by an entry with a NULL name (commands.c). */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_find_command(const char *name);

/* Prints "husk VERB: message" on stderr and returns CLI_EXIT_USAGE, for flag errors. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "husk: message" on stderr and returns CLI_EXIT_FAILURE. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cli_main(int argc, char **argv);

/* Execs another of husk's programs ($ENV_NAME, else beside this one) with argv (argv[0] is replaced by its
 * path); returns only on failure, after printing "'husk VERB' is run by PATH, which cannot be run: why". */
int cli_exec_program(const char *env_name, const char *program, const char *verb, char **argv);

/* Verbs, one file each. */
int cli_cmd_version(int argc, char **argv);
int cli_cmd_help(int argc, char **argv);
int cli_cmd_logs(int argc, char **argv);
int cli_cmd_describe(int argc, char **argv);
int cli_cmd_exec(int argc, char **argv);
int cli_cmd_image(int argc, char **argv);
int cli_cmd_daemon(int argc, char **argv);

/* The daemon in this process, from its flags (argv[0] is ignored): husk-daemon's main. */
int cli_daemon_run(int argc, char **argv);
extern const char cli_daemon_usage[];
int cli_cmd_get(int argc, char **argv);
int cli_cmd_apply(int argc, char **argv);
int cli_cmd_delete(int argc, char **argv);
int cli_cmd_validate(int argc, char **argv);
int cli_cmd_cordon(int argc, char **argv);
int cli_cmd_uncordon(int argc, char **argv);
int cli_cmd_drain(int argc, char **argv);

#endif
