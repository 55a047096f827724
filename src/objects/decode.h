/* Decoding manifests: YAML (one or many `---` documents) or JSON (one or many objects), and `kind: List`,
 * into jansson trees holding each object exactly as the user wrote it. YAML scalars resolve as Kubernetes'
 * sigs.k8s.io/yaml resolves them (YAML 1.1: unquoted true/yes/on, ints incl. 0x and 0o, floats, null, ~;
 * quoted scalars are always strings).
 *
 * Hostile input is bounded: the whole input (OBJECTS_MAX_INPUT_BYTES, the API server's 3 MiB request
 * limit), nesting depth (OBJECTS_MAX_DEPTH) and alias expansion (OBJECTS_MAX_ALIAS_NODES, against the
 * "billion laughs" of CVE-2019-11253); each is a clear error. */
#ifndef HUSK_OBJECTS_DECODE_H
#define HUSK_OBJECTS_DECODE_H

#include "base/error.h"
#include "objects/positions.h"

#include <jansson.h>
#include <stddef.h>

#define OBJECTS_MAX_INPUT_BYTES (3 * 1024 * 1024)
#define OBJECTS_MAX_DEPTH       100
#define OBJECTS_MAX_ALIAS_NODES 10000

struct objects_document {
    json_t *object;                     /* a JSON object (mapping); owned */
    struct objects_positions positions; /* empty for JSON input */
    int line;                           /* where the document starts in the source, 1-based */
};

struct objects_document_list {
    struct objects_document *items;
    size_t count;
    size_t capacity;
};

/* Decodes every document in data. Empty documents are skipped, as kubectl does. The items of a `kind: List`
 * become documents of their own. source_name ("pod.yaml", "-") prefixes error messages. On failure ret is
 * untouched and err names the source, line and column. */
int objects_decode(const char *data, size_t len, const char *source_name, struct objects_document_list *ret,
                   husk_error *err);

/* Decodes input holding exactly one object (e.g. an API request body); *ret_object is owned by the caller. */
int objects_decode_object(const char *data, size_t len, const char *source_name, json_t **ret_object,
                          husk_error *err);

void objects_document_list_free(struct objects_document_list *list);

#endif
