/* Manifests named by -f for `husk apply` and `husk delete`: a file, a directory (its .yaml, .yml and .json
 * files, in name order, not recursive, as kubectl without -R) or "-" for stdin, each decoded into objects. */
#ifndef HUSK_CLI_MANIFEST_H
#define HUSK_CLI_MANIFEST_H

#include "cli/client.h"

#include <jansson.h>

typedef int (*cli_document_fn)(const struct cli_opts *opts, json_t *object, const char *source);

/* Calls fn for every object in every -f source; returns CLI_EXIT_FAILURE when anything failed. */
int cli_manifest_each(const struct cli_opts *opts, cli_document_fn fn);

/* The kind, namespace (NULL for cluster-scoped kinds) and name an object from source names, or -1 after
 * printing kubectl's error. */
int cli_manifest_target(const struct cli_opts *opts, const json_t *object, const char *source,
                        const struct objects_kind **ret_kind, const char **ret_ns, const char **ret_name);

#endif
