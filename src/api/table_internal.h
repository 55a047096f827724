/* What the printers of table.c (pods, nodes, events, namespaces) and table_workloads.c (the apps and
 * batch kinds, ConfigMaps, Secrets) share. Internal to src/api. */
#ifndef HUSK_API_TABLE_INTERNAL_H
#define HUSK_API_TABLE_INTERNAL_H

#include "api/table.h"

#include <jansson.h>
#include <time.h>

/* One column definition of a printer (priority 1: shown only with -o wide). */
struct api_table_column {
    const char *name, *type;
    int priority;
    const char *description;
};

/* A kind's printer: its columns (ended by a NULL name) and the cells of one object's row. */
struct api_table_printer {
    const char *group, *resource;
    const struct api_table_column *columns;
    json_t *(*cells)(const json_t *obj, time_t now);
};

/* The printer of kind in table_workloads.c; NULL when it has none there. */
const struct api_table_printer *api_table_workload_printer(const struct objects_kind *kind);

/* The AGE cell of an RFC 3339 timestamp ("<unknown>" without one). */
json_t *api_table_age_cell(const char *timestamp, time_t now);

/* metav1.FormatLabelSelector of a LabelSelector: "app=web,tier in (a,b)"; "<none>" when empty. */
void api_table_format_selector(const json_t *selector, char *buf, size_t size);

/* Seconds from an RFC 3339 timestamp to now; -1 when it does not parse. */
long api_table_seconds_since(const char *timestamp, time_t now);

#define API_TABLE_NAME_DESCRIPTION                                                                           \
    "Name must be unique within a namespace. Is required when creating resources, although some resources "  \
    "may allow a client to request the generation of an appropriate name automatically. Name is primarily "  \
    "intended for creation idempotence and configuration definition. Cannot be updated. More info: "         \
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define API_TABLE_AGE_DESCRIPTION                                                                            \
    "CreationTimestamp is a timestamp representing the server time when this object was created."

#endif
