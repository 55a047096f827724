/* `husk apply -f FILE|DIR|-` [-n NS]: creates each object, or updates it when it exists. The update merges
 * the manifest into the live object (JSON merge patch semantics: what the manifest names wins, what the
 * server filled in stays), writes only when that changes something, and sends the live resourceVersion, so
 * a concurrent writer makes it fail with Conflict instead of being overwritten. */
#include "api/patch.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int send_object(const struct cli_opts *o, const char *method, const char *path, const json_t *obj,
                       long *ret_code, json_t **ret_reply)
{
    char *body = json_dumps(obj, JSON_COMPACT);
    if (body == NULL)
        return cli_fail("cannot encode the object");
    husk_error err = {0};
    int r = cli_request(o, method, path, "application/json", body, ret_code, ret_reply, &err);
    free(body);
    return r < 0 ? cli_fail("%s", err.message) : CLI_EXIT_OK;
}

static int apply_document(const struct cli_opts *o, json_t *obj, const char *source)
{
    const struct objects_kind *kind = NULL;
    const char *ns = NULL, *name = NULL;
    if (cli_manifest_target(o, obj, source, &kind, &ns, &name) < 0)
        return CLI_EXIT_FAILURE;
    char path[2048], label[128];
    cli_kind_label(label, sizeof label, kind);
    cli_resource_path(path, sizeof path, kind, ns, name);
    long code = 0;
    json_t *live = NULL, *reply = NULL;
    husk_error err = {0};
    /* Created at once, the usual case, in one request; one that exists (AlreadyExists) is read and updated.
     */
    char collection[2048];
    cli_resource_path(collection, sizeof collection, kind, ns, NULL);
    int r = send_object(o, "POST", collection, obj, &code, &reply);
    const char *verb = "created";
    const char *reason = json_string_value(json_object_get(reply, "reason"));
    if (r == CLI_EXIT_OK && code == 409 && reason != NULL && strcmp(reason, "AlreadyExists") == 0) {
        json_decref(reply);
        reply = NULL;
        verb = NULL;
        if (cli_request(o, "GET", path, NULL, NULL, &code, &live, &err) < 0)
            return cli_fail("%s", err.message);
    }
    if (live != NULL && code == 200) {
        json_t *merged = api_merge_patch(live, obj);
        if (json_equal(merged, live)) {
            verb = "unchanged";
            code = 200;
        } else {
            r = send_object(o, "PUT", path, merged, &code, &reply);
            /* The server writes nothing when the merge only restates its defaults; the version then stays. */
            const char *before =
                json_string_value(json_object_get(json_object_get(live, "metadata"), "resourceVersion"));
            const char *after =
                json_string_value(json_object_get(json_object_get(reply, "metadata"), "resourceVersion"));
            verb = before && after && strcmp(before, after) == 0 ? "unchanged" : "configured";
        }
        json_decref(merged);
    } else if (live != NULL) {
        reply = json_incref(live);
    }
    if (r == CLI_EXIT_OK && (code == 200 || code == 201) && verb != NULL)
        printf("%s/%s %s\n", label, name, verb);
    else if (r == CLI_EXIT_OK)
        r = cli_print_server_error(code, reply);
    json_decref(live);
    json_decref(reply);
    return r;
}

int cli_cmd_apply(int argc, char **argv)
{
    struct cli_opts o;
    int r = cli_parse_opts("apply", argc, argv, "n f data-dir", &o);
    if (r != 0)
        return r;
    if (o.nfiles == 0)
        return cli_usage_error("apply", "must specify one of -f and -k");
    if (o.nargs > 0)
        return cli_usage_error("apply", "unexpected argument: %s", o.args[0]);
    return cli_manifest_each(&o, apply_document);
}
