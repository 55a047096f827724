/* What the verbs that talk to the daemon share: the HTTP client on the daemon's unix socket
 * (DATA_DIR/husk.sock, DATA_DIR from --data-dir, $HUSK_DATA_DIR or /var/lib/husk), kubectl-style flags,
 * resource names (pods, po, pod, deployments.apps, ...) and kubectl's way of printing server errors. */
#ifndef HUSK_CLI_CLIENT_H
#define HUSK_CLI_CLIENT_H

#include "base/error.h"
#include "objects/kind.h"

#include <jansson.h>
#include <stdbool.h>

#define CLI_DEFAULT_DATA_DIR "/var/lib/husk"
#define CLI_MAX_ARGS         64

struct cli_opts {
    const char *data_dir;
    const char *ns; /* -n; NULL when not given */
    bool all_namespaces;
    const char *output; /* -o */
    const char *selector;
    const char *field_selector;
    const char *files[CLI_MAX_ARGS];
    int nfiles;
    const char *args[CLI_MAX_ARGS]; /* positional */
    int nargs;
    long grace_period; /* --grace-period; -1 when not given */
    bool watch;        /* -w */
};

/* Parses the kubectl-style flags of verb; returns 0, or a CLI exit status after printing a usage error.
 * allowed is the set of flags the verb takes, e.g. "n A o l f data-dir". */
int cli_parse_opts(const char *verb, int argc, char **argv, const char *allowed, struct cli_opts *ret);

/* One request to the daemon. ret_json gets the decoded reply (NULL when it is not JSON). */
int cli_request(const struct cli_opts *opts, const char *method, const char *path, const char *content_type,
                const char *body, long *ret_code, json_t **ret_json, husk_error *err);

/* Streams a watch: calls on_event with each decoded event line until the server ends the stream or
 * on_event returns non-zero. */
int cli_stream(const struct cli_opts *opts, const char *path, int (*on_event)(json_t *event, void *ctx),
               void *ctx, husk_error *err);

/* GETs path and copies a 200 reply's body to stdout as it streams in (logs); any other reply's Status goes
 * to *ret_error (NULL when it is not JSON). */
int cli_get_to_stdout(const struct cli_opts *opts, const char *path, long *ret_code, json_t **ret_error,
                      husk_error *err);

/* GETs pod NAME in the verb's namespace into *ret_pod; on failure prints the error as kubectl does and
 * returns CLI_EXIT_FAILURE. */
int cli_get_pod(const struct cli_opts *opts, const char *name, json_t **ret_pod);

/* Prints a Status reply as kubectl does ("Error from server (NotFound): pods "x" not found", or "The Pod "x"
 * is invalid: ...") and returns CLI_EXIT_FAILURE. */
int cli_print_server_error(long code, const json_t *status);

/* The kind a command-line resource name stands for: "pods", "pod", "po", "deployments.apps", ... */
const struct objects_kind *cli_resolve_resource(const char *name);

/* The API path of a kind's collection (ns may be NULL: every namespace), or of one object (name). */
void cli_resource_path(char *buf, size_t size, const struct objects_kind *kind, const char *ns,
                       const char *name);

/* "pod", "deployment.apps": how kubectl names a kind in its messages. */
void cli_kind_label(char *buf, size_t size, const struct objects_kind *kind);

/* The namespace the verb works in: -n, else "default". */
const char *cli_namespace(const struct cli_opts *opts);

#endif
