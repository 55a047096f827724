/* Shorthands for writing the field tables of schema_core.c and schema_apps.c. */
#ifndef HUSK_OBJECTS_SCHEMA_FIELDS_H
#define HUSK_OBJECTS_SCHEMA_FIELDS_H

#include "objects/schema.h"

/* Each takes an optional description: FIELD("name", STRING, "Name of the container."). */
#define FIELD(n, t, ...)                                                                                     \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_##t, .list = false, .description = "" __VA_ARGS__                   \
    }
#define FIELD_LIST(n, t, ...)                                                                                \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_##t, .list = true, .description = "" __VA_ARGS__                    \
    }
#define OBJECT(n, f, ...)                                                                                    \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_OBJECT, .list = false, .fields = f, .description = "" __VA_ARGS__   \
    }
#define OBJECT_LIST(n, f, ...)                                                                               \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_OBJECT, .list = true, .fields = f, .description = "" __VA_ARGS__    \
    }
/* Fields upstream marks +required. */
#define FIELD_REQUIRED(n, t, ...)                                                                            \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_##t, .required = true, .description = "" __VA_ARGS__                \
    }
#define OBJECT_REQUIRED(n, f, ...)                                                                           \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_OBJECT, .fields = f, .required = true,                              \
        .description = "" __VA_ARGS__                                                                        \
    }
#define OBJECT_LIST_REQUIRED(n, f, ...)                                                                      \
    {                                                                                                        \
        .name = n, .type = OBJECTS_FIELD_OBJECT, .list = true, .fields = f, .required = true,                \
        .description = "" __VA_ARGS__                                                                        \
    }
/* The end of an anonymous struct's table, and of a named Kubernetes type's. */
#define FIELDS_END                                                                                           \
    {                                                                                                        \
        .name = NULL, .type = OBJECTS_FIELD_ANY, .description = ""                                           \
    }
#define FIELDS_END_TYPE(tn, doc)                                                                             \
    {                                                                                                        \
        .name = NULL, .type = OBJECTS_FIELD_ANY, .type_name = tn, .description = doc                         \
    }
#define TYPE_META                                                                                            \
    FIELD("apiVersion", STRING,                                                                              \
          "APIVersion defines the versioned schema of this representation of an object. Servers should "     \
          "convert recognized schemas to the latest internal value, and may reject unrecognized values. "    \
          "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"                     \
          "api-conventions.md#resources"),                                                                   \
        FIELD("kind", STRING,                                                                                \
              "Kind is a string value representing the REST resource this object represents. Servers may "   \
              "infer this from the endpoint the client submits requests to. Cannot be updated. In "          \
              "CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"      \
              "api-conventions.md#types-kinds")

extern const struct objects_field objects_schema_label_selector[];
extern const struct objects_field objects_schema_pod_spec[];

#endif
