/* `husk logs POD`: a container's log through the API (pods/NAME/log), as kubectl logs reads it. */
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct logs_flags {
    const char *container, *tail;
    bool follow, previous, timestamps;
};

/* Flags of their own: here -f means --follow, not a file. */
static int parse(int argc, char **argv, struct cli_opts *o, struct logs_flags *f)
{
    *o = (struct cli_opts){.grace_period = -1, .data_dir = getenv("HUSK_DATA_DIR")};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0)
            f->follow = true;
        else if (strcmp(a, "-p") == 0 || strcmp(a, "--previous") == 0)
            f->previous = true;
        else if (strcmp(a, "--timestamps") == 0)
            f->timestamps = true;
        else if (strcmp(a, "-c") == 0 || strcmp(a, "--container") == 0)
            value = &f->container;
        else if (strcmp(a, "--tail") == 0)
            value = &f->tail;
        else if (strcmp(a, "-n") == 0 || strcmp(a, "--namespace") == 0)
            value = &o->ns;
        else if (strcmp(a, "--data-dir") == 0)
            value = &o->data_dir;
        else if (a[0] == '-')
            return cli_usage_error("logs", "unknown flag: %s", a);
        else if (o->nargs < CLI_MAX_ARGS)
            o->args[o->nargs++] = a;
        if (value != NULL) {
            if (i + 1 >= argc)
                return cli_usage_error("logs", "flag needs an argument: %s", a);
            *value = argv[++i];
        }
    }
    if (o->nargs != 1)
        return cli_usage_error("logs", "expected one pod name, got %d", o->nargs);
    if (o->data_dir == NULL || o->data_dir[0] == '\0')
        o->data_dir = CLI_DEFAULT_DATA_DIR;
    if (f->tail != NULL && strtol(f->tail, NULL, 10) < 0 && strcmp(f->tail, "-1") != 0)
        return cli_usage_error("logs", "--tail: not a number: %s", f->tail);
    return 0;
}

int cli_cmd_logs(int argc, char **argv)
{
    struct cli_opts o;
    struct logs_flags f = {0};
    int r = parse(argc, argv, &o, &f);
    if (r != 0)
        return r;
    char path[2048];
    char *container = f.container ? cli_url_escape(f.container) : NULL;
    int n =
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s/log?follow=%s&previous=%s&timestamps=%s",
                 cli_namespace(&o), o.args[0], f.follow ? "true" : "false", f.previous ? "true" : "false",
                 f.timestamps ? "true" : "false");
    if (container != NULL)
        n += snprintf(path + n, sizeof path - (size_t)n, "&container=%s", container);
    if (f.tail != NULL && strcmp(f.tail, "-1") != 0)
        snprintf(path + n, sizeof path - (size_t)n, "&tailLines=%ld", strtol(f.tail, NULL, 10));
    free(container);
    long code = 0;
    json_t *error = NULL;
    husk_error err = {0};
    if (cli_get_to_stdout(&o, path, &code, &error, &err) < 0) {
        json_decref(error);
        return cli_fail("%s", err.message);
    }
    if (code != 200) {
        cli_print_server_error(code, error);
        json_decref(error);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}
