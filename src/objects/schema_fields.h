/* Shorthands for writing the field tables of schema_core.c and schema_apps.c. */
#ifndef HUSK_OBJECTS_SCHEMA_FIELDS_H
#define HUSK_OBJECTS_SCHEMA_FIELDS_H

#include "objects/schema.h"

#define FIELD(n, t)                                                                                          \
    {                                                                                                        \
        n, OBJECTS_FIELD_##t, false, NULL                                                                    \
    }
#define FIELD_LIST(n, t)                                                                                     \
    {                                                                                                        \
        n, OBJECTS_FIELD_##t, true, NULL                                                                     \
    }
#define OBJECT(n, f)                                                                                         \
    {                                                                                                        \
        n, OBJECTS_FIELD_OBJECT, false, f                                                                    \
    }
#define OBJECT_LIST(n, f)                                                                                    \
    {                                                                                                        \
        n, OBJECTS_FIELD_OBJECT, true, f                                                                     \
    }
#define FIELDS_END                                                                                           \
    {                                                                                                        \
        NULL, OBJECTS_FIELD_ANY, false, NULL                                                                 \
    }
#define TYPE_META FIELD("apiVersion", STRING), FIELD("kind", STRING)

extern const struct objects_field objects_schema_label_selector[];
extern const struct objects_field objects_schema_pod_spec[];

#endif
