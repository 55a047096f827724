/* Server-side printing: for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` the API answers a
 * meta.k8s.io/v1 Table whose rows carry the columns kubectl shows (pkg/printers/internalversion), so that
 * `kubectl get` prints READY, STATUS, RESTARTS and AGE as against a real cluster. */
#ifndef HUSK_API_TABLE_H
#define HUSK_API_TABLE_H

#include "objects/kind.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

/* Whether the request's Accept header asks for a Table. */
bool api_table_wanted(const char *accept);

/* A Table of the objects (an array) of kind; resource_version may be NULL. */
json_t *api_table(const struct objects_kind *kind, const json_t *items, const char *resource_version,
                  time_t now);

/* The cells of one object's row, every column including the wide ones (priority 1); for the CLI too. */
json_t *api_table_cells(const struct objects_kind *kind, const json_t *obj, time_t now);
/* The column definitions of kind (name, type, format, description, priority). */
json_t *api_table_columns(const struct objects_kind *kind);

/* kubectl's human-readable duration ("5m3s", "2d4h"; k8s.io/apimachinery duration.HumanDuration). */
void api_human_duration(char *buf, size_t size, long seconds);

#endif
