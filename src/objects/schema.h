/* Field schemas: a table per Kubernetes type naming its fields and their JSON types. One walker
 * (schema.c) uses them to report unknown fields and wrong types for every kind, so adding a kind means
 * describing its fields here, not writing a parser. */
#ifndef HUSK_OBJECTS_SCHEMA_H
#define HUSK_OBJECTS_SCHEMA_H

#include "objects/positions.h"
#include "objects/problems.h"

#include <jansson.h>
#include <stdbool.h>

enum objects_field_type {
    OBJECTS_FIELD_STRING,
    OBJECTS_FIELD_BOOL,
    OBJECTS_FIELD_INT32,
    OBJECTS_FIELD_INT64,
    OBJECTS_FIELD_NUMBER,        /* a float64 */
    OBJECTS_FIELD_QUANTITY,      /* a string or number that parses as a resource.Quantity */
    OBJECTS_FIELD_INT_OR_STRING, /* 8080 or "http" */
    OBJECTS_FIELD_OBJECT,        /* a struct: `fields` lists its fields */
    OBJECTS_FIELD_STRING_MAP,    /* map[string]string (labels, data) */
    OBJECTS_FIELD_QUANTITY_MAP,  /* map[string]Quantity (resources.limits) */
    OBJECTS_FIELD_ANY,           /* free-form: not checked */
};

/* A field, or (name NULL) the end of a table. A table's end names the Kubernetes type the table describes
 * (type_name, the OpenAPI definition name "io.k8s.api.core.v1.Container"; NULL for an anonymous struct)
 * and carries the type's description; a field's description is the field's. OpenAPI (src/api/openapi*.c)
 * and `kubectl explain` read both; "" means none. */
struct objects_field {
    const char *name; /* NULL ends a table */
    const struct objects_field *fields;
    const char *description;
    const char *type_name; /* only on a table's end */
    enum objects_field_type type;
    bool list;     /* a JSON array of `type` */
    bool required; /* upstream's +required: OpenAPI lists it, `kubectl explain` marks it */
};

/* The end entry of a table (its type name and description). */
const struct objects_field *objects_schema_table_end(const struct objects_field *fields);

/* Walks value against fields, adding a warning (error when strict) per unknown field and an error per
 * wrongly typed value. path is the path of value ("" for the root). Returns the number of wrongly typed
 * values: the API server stops at those (the object cannot be decoded), and so does objects_validate. */
size_t objects_schema_check(const json_t *value, const struct objects_field *fields, const char *path,
                            const struct objects_positions *positions, bool strict,
                            struct objects_problems *problems);

/* The tables, by Kubernetes type (schema_core.c, schema_apps.c). */
extern const struct objects_field objects_schema_object_meta[];
extern const struct objects_field objects_schema_pod[];
extern const struct objects_field objects_schema_pod_template_spec[];
extern const struct objects_field objects_schema_config_map[];
extern const struct objects_field objects_schema_secret[];
extern const struct objects_field objects_schema_namespace[];
extern const struct objects_field objects_schema_node[];
extern const struct objects_field objects_schema_event[];
extern const struct objects_field objects_schema_deployment[];
extern const struct objects_field objects_schema_replica_set[];
extern const struct objects_field objects_schema_stateful_set[];
extern const struct objects_field objects_schema_daemon_set[];
extern const struct objects_field objects_schema_job[];
extern const struct objects_field objects_schema_cron_job[];

#endif
