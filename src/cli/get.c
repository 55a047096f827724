/* `husk get RESOURCE [NAME...] [-n NS | -A] [-o wide|yaml|json|name] [-l SELECTOR] [--field-selector S]
 * [-w]`. */
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/http_client.h"
#include "cli/table.h"
#include "objects/encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The query string for the selectors, escaped. */
static void selector_query(const struct cli_opts *o, char *buf, size_t size)
{
    buf[0] = '\0';
    const char *names[] = {"labelSelector", "fieldSelector"};
    const char *values[] = {o->selector, o->field_selector};
    for (int i = 0; i < 2; i++) {
        if (values[i] == NULL)
            continue;
        char *esc = cli_url_escape(values[i]);
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%c%s=%s", n ? '&' : '?', names[i], esc ? esc : "");
        free(esc);
    }
}

static int print_output(const struct cli_opts *o, const struct objects_kind *kind, json_t *doc, bool single)
{
    husk_error err = {0};
    char *text = NULL;
    size_t len = 0;
    if (o->output != NULL && (strcmp(o->output, "json") == 0 || strcmp(o->output, "yaml") == 0)) {
        int r = o->output[0] == 'j' ? objects_encode_json(doc, true, &text, &err)
                                    : objects_encode_yaml(doc, &text, &len, &err);
        if (r < 0)
            return cli_fail("%s", err.message);
        fputs(text, stdout);
        if (o->output[0] == 'j')
            fputc('\n', stdout);
        free(text);
        return CLI_EXIT_OK;
    }
    json_t *items = single ? json_pack("[O]", doc) : json_incref(json_object_get(doc, "items"));
    if (o->output != NULL && strcmp(o->output, "name") == 0) {
        char label[128];
        cli_kind_label(label, sizeof label, kind);
        json_t *obj;
        size_t i;
        json_array_foreach(items, i, obj)
        {
            printf("%s/%s\n", label,
                   json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
        }
    } else if (json_array_size(items) == 0) {
        if (o->all_namespaces || !kind->namespaced)
            fprintf(stderr, "No resources found\n");
        else
            fprintf(stderr, "No resources found in %s namespace.\n", cli_namespace(o));
    } else {
        cli_print_table(stdout, kind, items, o->all_namespaces && kind->namespaced,
                        o->output != NULL && strcmp(o->output, "wide") == 0, true);
    }
    json_decref(items);
    return CLI_EXIT_OK;
}

struct watch_print {
    const struct cli_opts *opts;
    const struct objects_kind *kind;
};

/* One row per change, as kubectl get -w prints them; an ERROR event (410 Expired) ends the watch. */
static int print_event(json_t *event, void *ctx)
{
    const struct watch_print *w = ctx;
    const char *type = json_string_value(json_object_get(event, "type"));
    json_t *obj = json_object_get(event, "object");
    if (type != NULL && strcmp(type, "ERROR") == 0) {
        cli_print_server_error(0, obj);
        return 1;
    }
    const char *out = w->opts->output;
    if (out != NULL && (strcmp(out, "json") == 0 || strcmp(out, "yaml") == 0)) {
        husk_error err = {0};
        char *text = NULL;
        size_t len = 0;
        int r = out[0] == 'j' ? objects_encode_json(obj, true, &text, &err)
                              : objects_encode_yaml(obj, &text, &len, &err);
        if (r == 0)
            printf("%s%s%s", out[0] == 'y' ? "---\n" : "", text, out[0] == 'j' ? "\n" : "");
        free(text);
        return 0;
    }
    json_t *items = json_pack("[O]", obj);
    cli_print_table(stdout, w->kind, items, w->opts->all_namespaces && w->kind->namespaced,
                    out != NULL && strcmp(out, "wide") == 0, false);
    json_decref(items);
    return 0;
}

/* -w: after the list, follow changes from the list's resourceVersion. */
static int watch_after(const struct cli_opts *o, const struct objects_kind *kind, const char *path,
                       const json_t *list)
{
    const char *rv = json_string_value(json_object_get(json_object_get(list, "metadata"), "resourceVersion"));
    char watch_path[2560];
    snprintf(watch_path, sizeof watch_path, "%s%cwatch=1&resourceVersion=%s", path,
             strchr(path, '?') ? '&' : '?', rv ? rv : "0");
    struct watch_print w = {o, kind};
    husk_error err = {0};
    if (cli_stream(o, watch_path, print_event, &w, &err) < 0)
        return cli_fail("%s", err.message);
    return CLI_EXIT_OK;
}

static int get_one(const struct cli_opts *o, const struct objects_kind *kind, const char *path, bool single)
{
    long code = 0;
    json_t *reply = NULL;
    husk_error err = {0};
    if (cli_request(o, "GET", path, NULL, NULL, &code, &reply, &err) < 0)
        return cli_fail("%s", err.message);
    int r = code == 200 && reply != NULL ? print_output(o, kind, reply, single)
                                         : cli_print_server_error(code, reply);
    if (r == CLI_EXIT_OK && o->watch && !single) {
        fflush(stdout);
        r = watch_after(o, kind, path, reply);
    }
    json_decref(reply);
    return r;
}

int cli_cmd_get(int argc, char **argv)
{
    struct cli_opts o;
    int r = cli_parse_opts("get", argc, argv, "n A o l w field-selector data-dir", &o);
    if (r != 0)
        return r;
    if (o.nargs < 1)
        return cli_usage_error("get", "you must specify the type of resource to get");
    static const char *const formats[] = {"wide", "yaml", "json", "name"};
    bool known = o.output == NULL;
    for (size_t i = 0; i < 4 && !known; i++)
        known = strcmp(o.output, formats[i]) == 0;
    if (!known)
        return cli_usage_error("get",
                               "unable to match a printer suitable for the output format \"%s\", allowed "
                               "formats are: json, name, wide, yaml",
                               o.output);
    const struct objects_kind *kind = cli_resolve_resource(o.args[0]);
    if (kind == NULL) {
        fprintf(stderr, "error: the server doesn't have a resource type \"%s\"\n", o.args[0]);
        return CLI_EXIT_FAILURE;
    }
    const char *ns = o.all_namespaces ? NULL : cli_namespace(&o);
    char path[2048];
    if (o.nargs == 1) {
        char query[1024];
        cli_resource_path(path, sizeof path, kind, ns, NULL);
        selector_query(&o, query, sizeof query);
        strncat(path, query, sizeof path - strlen(path) - 1);
        return get_one(&o, kind, path, false);
    }
    if (o.all_namespaces && kind->namespaced)
        return cli_usage_error("get", "a resource cannot be retrieved by name across all namespaces");
    int status = CLI_EXIT_OK;
    for (int i = 1; i < o.nargs; i++) {
        cli_resource_path(path, sizeof path, kind, cli_namespace(&o), o.args[i]);
        if (get_one(&o, kind, path, true) != CLI_EXIT_OK)
            status = CLI_EXIT_FAILURE;
    }
    return status;
}
