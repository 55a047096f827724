/* See client.h. HTTP on the unix socket goes through http_client.h; the socket is root's only, so the CLI
 * needs no token. */
#include "cli/client.h"
#include "cli/cli.h"
#include "cli/http_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_MAX_REPLY_BYTES (64 * 1024 * 1024)

/* Flags that take a value, by short and long name, and where it goes. */
static const char **opt_slot(struct cli_opts *o, const char *name)
{
    if (strcmp(name, "n") == 0 || strcmp(name, "namespace") == 0)
        return &o->ns;
    if (strcmp(name, "o") == 0 || strcmp(name, "output") == 0)
        return &o->output;
    if (strcmp(name, "l") == 0 || strcmp(name, "selector") == 0)
        return &o->selector;
    if (strcmp(name, "field-selector") == 0)
        return &o->field_selector;
    if (strcmp(name, "data-dir") == 0)
        return &o->data_dir;
    return NULL;
}

static const char *canonical(const char *name)
{
    static const char *const pairs[][2] = {
        {"namespace", "n"}, {"output", "o"},           {"selector", "l"},      {"all-namespaces", "A"},
        {"filename", "f"},  {"force", "grace-period"}, {"now", "grace-period"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(name, pairs[i][0]) == 0)
            return pairs[i][1];
    return name;
}

static bool allowed_flag(const char *allowed, const char *name)
{
    const char *c = canonical(name);
    size_t n = strlen(c);
    for (const char *p = allowed; (p = strstr(p, c)) != NULL; p += n)
        if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* Takes one flag at argv[*i]; value flags take "--x=v", "--x v" or "-xv". */
static int take_flag(const char *verb, int argc, char **argv, int *i, const char *allowed, struct cli_opts *o)
{
    const char *arg = argv[*i];
    bool is_long = arg[1] == '-';
    char name[64];
    const char *inline_value = NULL;
    if (is_long) {
        const char *eq = strchr(arg + 2, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - arg - 2) : strlen(arg + 2)), arg + 2);
        inline_value = eq ? eq + 1 : NULL;
    } else {
        snprintf(name, sizeof name, "%c", arg[1]);
        inline_value = arg[2] ? arg + 2 : NULL;
    }
    if (!allowed_flag(allowed, name))
        return cli_usage_error(verb, "unknown flag: %s", arg);
    if (strcmp(name, "A") == 0 || strcmp(name, "all-namespaces") == 0) {
        o->all_namespaces = true;
        return 0;
    }
    if (strcmp(name, "w") == 0 || strcmp(name, "watch") == 0) {
        o->watch = true;
        return 0;
    }
    if (strcmp(name, "force") == 0 || strcmp(name, "now") == 0) {
        o->grace_period = strcmp(name, "now") == 0 ? 1 : 0;
        return 0;
    }
    const char *value = inline_value;
    if (value == NULL) {
        if (*i + 1 >= argc)
            return cli_usage_error(verb, "flag needs an argument: %s", arg);
        value = argv[++*i];
    }
    if (strcmp(name, "f") == 0 || strcmp(name, "filename") == 0) {
        if (o->nfiles == CLI_MAX_ARGS)
            return cli_usage_error(verb, "too many -f flags");
        o->files[o->nfiles++] = value;
    } else if (strcmp(name, "grace-period") == 0) {
        char *end = NULL;
        o->grace_period = strtol(value, &end, 10);
        if (*end != '\0')
            return cli_usage_error(verb, "--grace-period: not a number: %s", value);
    } else {
        *opt_slot(o, name) = value;
    }
    return 0;
}

int cli_parse_opts(const char *verb, int argc, char **argv, const char *allowed, struct cli_opts *ret)
{
    struct cli_opts o = {.grace_period = -1};
    o.data_dir = getenv("HUSK_DATA_DIR");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] != '\0') {
            int r = take_flag(verb, argc, argv, &i, allowed, &o);
            if (r != 0)
                return r;
        } else if (o.nargs == CLI_MAX_ARGS) {
            return cli_usage_error(verb, "too many arguments");
        } else {
            o.args[o.nargs++] = a;
        }
    }
    if (o.data_dir == NULL || o.data_dir[0] == '\0')
        o.data_dir = CLI_DEFAULT_DATA_DIR;
    *ret = o;
    return 0;
}

struct reply_buffer {
    char *data;
    size_t len;
    bool too_large;
};

static int on_data(void *userdata, long code, const char *bytes, size_t n)
{
    struct reply_buffer *b = userdata;
    (void)code;
    if (b->len + n > CLI_MAX_REPLY_BYTES) {
        b->too_large = true;
        return 1;
    }
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL) {
        b->too_large = true;
        return 1;
    }
    memcpy(grown + b->len, bytes, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static void socket_path(const struct cli_opts *opts, char *buf, size_t size)
{
    snprintf(buf, size, "%s/husk.sock", opts->data_dir);
}

int cli_request(const struct cli_opts *opts, const char *method, const char *path, const char *content_type,
                const char *body, long *ret_code, json_t **ret_json, husk_error *err)
{
    char sock[4200];
    socket_path(opts, sock, sizeof sock);
    struct reply_buffer reply = {0};
    int r = cli_http_exchange(sock, method, path, content_type, body, 60000, on_data, &reply, ret_code, err);
    if (r == 0 && reply.too_large)
        r = husk_error_set(err, EFBIG, "the reply of the husk daemon at %s is larger than %d MiB", sock,
                           CLI_MAX_REPLY_BYTES >> 20);
    if (r == 0)
        *ret_json = reply.data ? json_loads(reply.data, 0, NULL) : NULL;
    free(reply.data);
    return r;
}

int cli_print_server_error(long code, const json_t *status)
{
    const char *reason = json_string_value(json_object_get(status, "reason"));
    const char *message = json_string_value(json_object_get(status, "message"));
    json_t *details = json_object_get(status, "details");
    json_t *causes = json_object_get(details, "causes");
    if (reason != NULL && strcmp(reason, "Invalid") == 0 && json_array_size(causes) > 0) {
        /* kubectl rebuilds the message from the causes: `The Pod "x" is invalid: field: detail`. */
        const char *kind = json_string_value(json_object_get(details, "kind"));
        const char *group = json_string_value(json_object_get(details, "group"));
        const char *name = json_string_value(json_object_get(details, "name"));
        fprintf(stderr, "The %s%s%s \"%s\" is invalid: %s", kind ? kind : "", group ? "." : "",
                group ? group : "", name ? name : "", json_array_size(causes) > 1 ? "[" : "");
        json_t *c;
        size_t i;
        json_array_foreach(causes, i, c)
        {
            fprintf(stderr, "%s%s: %s", i ? ", " : "", json_string_value(json_object_get(c, "field")),
                    json_string_value(json_object_get(c, "message")));
        }
        fprintf(stderr, "%s\n", json_array_size(causes) > 1 ? "]" : "");
    } else if (reason != NULL && message != NULL) {
        fprintf(stderr, "Error from server (%s): %s\n", reason, message);
    } else {
        fprintf(stderr, "Error from server: the server replied %ld%s%s\n", code, message ? ": " : "",
                message ? message : "");
    }
    return CLI_EXIT_FAILURE;
}

static bool kind_matches(const struct objects_kind *k, const char *name)
{
    char lower[96], qualified[160];
    size_t i = 0;
    for (; k->kind[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)k->kind[i]);
    lower[i] = '\0';
    static const char *const shorts[][2] = {
        {"pods", "po"},       {"namespaces", "ns"},    {"nodes", "no"},           {"configmaps", "cm"},
        {"services", "svc"},  {"events", "ev"},        {"deployments", "deploy"}, {"replicasets", "rs"},
        {"daemonsets", "ds"}, {"statefulsets", "sts"}, {"cronjobs", "cj"},        {"serviceaccounts", "sa"},
    };
    for (size_t s = 0; s < sizeof shorts / sizeof shorts[0]; s++)
        if (strcmp(shorts[s][0], k->resource) == 0 && strcmp(shorts[s][1], name) == 0)
            return true;
    snprintf(qualified, sizeof qualified, "%s.%s", k->resource, k->group);
    return strcmp(name, k->resource) == 0 || strcmp(name, lower) == 0 || strcmp(name, qualified) == 0;
}

const struct objects_kind *cli_resolve_resource(const char *name)
{
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    for (size_t i = 0; i < count; i++)
        if (kind_matches(&kinds[i], name))
            return &kinds[i];
    return NULL;
}

void cli_resource_path(char *buf, size_t size, const struct objects_kind *kind, const char *ns,
                       const char *name)
{
    int n = kind->group[0] ? snprintf(buf, size, "/apis/%s/%s", kind->group, kind->version)
                           : snprintf(buf, size, "/api/%s", kind->version);
    if (kind->namespaced && ns != NULL)
        n += snprintf(buf + n, size - (size_t)n, "/namespaces/%s", ns);
    n += snprintf(buf + n, size - (size_t)n, "/%s", kind->resource);
    if (name != NULL)
        snprintf(buf + n, size - (size_t)n, "/%s", name);
}

void cli_kind_label(char *buf, size_t size, const struct objects_kind *kind)
{
    size_t i = 0;
    for (; kind->kind[i] && i + 1 < size; i++)
        buf[i] = (char)tolower((unsigned char)kind->kind[i]);
    buf[i] = '\0';
    if (kind->group[0])
        snprintf(buf + i, size - i, ".%s", kind->group);
}

const char *cli_namespace(const struct cli_opts *opts)
{
    return opts->ns ? opts->ns : "default";
}

struct stream_state {
    char line[CLI_MAX_REPLY_BYTES > 4 * 1024 * 1024 ? 4 * 1024 * 1024 : CLI_MAX_REPLY_BYTES];
    size_t len;
    int (*on_event)(json_t *event, void *ctx);
    void *ctx;
    bool stop;
    struct reply_buffer error; /* the body of a non-200 reply: a Status */
};

/* Splits the stream into lines, one event each; blank keep-alive lines are skipped. */
static int on_stream(void *userdata, long code, const char *bytes, size_t n)
{
    struct stream_state *st = userdata;
    if (code != 200)
        return on_data(&st->error, code, bytes, n);
    for (size_t i = 0; i < n && !st->stop; i++) {
        if (bytes[i] != '\n') {
            if (st->len + 1 < sizeof st->line)
                st->line[st->len++] = bytes[i];
            continue;
        }
        st->line[st->len] = '\0';
        json_t *ev = st->len > 0 ? json_loads(st->line, 0, NULL) : NULL;
        st->len = 0;
        if (ev != NULL && st->on_event(ev, st->ctx) != 0)
            st->stop = true;
        json_decref(ev);
    }
    fflush(stdout);
    return st->stop;
}

int cli_stream(const struct cli_opts *opts, const char *path, int (*on_event)(json_t *event, void *ctx),
               void *ctx, husk_error *err)
{
    char sock[4200];
    socket_path(opts, sock, sizeof sock);
    struct stream_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    st->on_event = on_event;
    st->ctx = ctx;
    long code = 0;
    int r = cli_http_exchange(sock, "GET", path, NULL, NULL, -1, on_stream, st, &code, err);
    if (r == 0 && code != 200) {
        json_t *status = st->error.data ? json_loads(st->error.data, 0, NULL) : NULL;
        const char *message = json_string_value(json_object_get(status, "message"));
        r = husk_error_set(err, EIO, "watching %s: HTTP %ld%s%s", path, code, message ? ": " : "",
                           message ? message : "");
        json_decref(status);
    }
    free(st->error.data);
    free(st);
    return r;
}

/* A 200 reply's body goes straight to stdout as it arrives; any other is kept to be printed as an error. */
static int on_passthrough(void *userdata, long code, const char *bytes, size_t n)
{
    if (code != 200)
        return on_data(userdata, code, bytes, n);
    size_t written = fwrite(bytes, 1, n, stdout);
    fflush(stdout);
    return written != n;
}

int cli_get_to_stdout(const struct cli_opts *opts, const char *path, long *ret_code, json_t **ret_error,
                      husk_error *err)
{
    char sock[4200];
    socket_path(opts, sock, sizeof sock);
    struct reply_buffer error = {0};
    int r = cli_http_exchange(sock, "GET", path, NULL, NULL, -1, on_passthrough, &error, ret_code, err);
    *ret_error = error.data ? json_loads(error.data, 0, NULL) : NULL;
    free(error.data);
    return r;
}

int cli_get_pod(const struct cli_opts *opts, const char *name, json_t **ret_pod)
{
    char path[1024];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s", cli_namespace(opts), name);
    long code = 0;
    json_t *pod = NULL;
    husk_error err = {0};
    if (cli_request(opts, "GET", path, NULL, NULL, &code, &pod, &err) < 0)
        return cli_fail("%s", err.message);
    if (code != 200) {
        cli_print_server_error(code, pod);
        json_decref(pod);
        return CLI_EXIT_FAILURE;
    }
    *ret_pod = pod;
    return 0;
}
