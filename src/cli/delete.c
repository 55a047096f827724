/* `husk delete RESOURCE NAME... | -f FILE` [-n NS] [--grace-period N] [--now] [--force]. */
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/manifest.h"

#include <stdio.h>
#include <string.h>

static int delete_one(const struct cli_opts *o, const struct objects_kind *kind, const char *ns,
                      const char *name)
{
    char path[2048], label[128], body[128];
    cli_resource_path(path, sizeof path, kind, ns, name);
    const char *payload = NULL;
    if (o->grace_period >= 0) {
        snprintf(body, sizeof body,
                 "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":%ld}",
                 o->grace_period);
        payload = body;
    }
    long code = 0;
    json_t *reply = NULL;
    husk_error err = {0};
    if (cli_request(o, "DELETE", path, payload ? "application/json" : NULL, payload, &code, &reply, &err) < 0)
        return cli_fail("%s", err.message);
    int r = CLI_EXIT_OK;
    if (code == 200 || code == 202) {
        cli_kind_label(label, sizeof label, kind);
        printf("%s \"%s\" deleted\n", label, name);
    } else {
        r = cli_print_server_error(code, reply);
    }
    json_decref(reply);
    return r;
}

static int delete_document(const struct cli_opts *o, json_t *obj, const char *source)
{
    const struct objects_kind *kind = NULL;
    const char *ns = NULL, *name = NULL;
    if (cli_manifest_target(o, obj, source, &kind, &ns, &name) < 0)
        return CLI_EXIT_FAILURE;
    return delete_one(o, kind, ns, name);
}

int cli_cmd_delete(int argc, char **argv)
{
    struct cli_opts o;
    int r = cli_parse_opts("delete", argc, argv, "n f grace-period data-dir", &o);
    if (r != 0)
        return r;
    if (o.nfiles > 0) {
        if (o.nargs > 0)
            return cli_usage_error("delete", "give either -f FILE or RESOURCE NAME, not both");
        return cli_manifest_each(&o, delete_document);
    }
    if (o.nargs < 2)
        return cli_usage_error("delete", "expected RESOURCE NAME... or -f FILE");
    const struct objects_kind *kind = cli_resolve_resource(o.args[0]);
    if (kind == NULL) {
        fprintf(stderr, "error: the server doesn't have a resource type \"%s\"\n", o.args[0]);
        return CLI_EXIT_FAILURE;
    }
    int status = CLI_EXIT_OK;
    for (int i = 1; i < o.nargs; i++)
        if (delete_one(&o, kind, kind->namespaced ? cli_namespace(&o) : NULL, o.args[i]) != CLI_EXIT_OK)
            status = CLI_EXIT_FAILURE;
    return status;
}
