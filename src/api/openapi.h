/* OpenAPI documents (openapi.c) and their schemas, generated from the objects layer's field tables
 * (openapi_schema.c). Internal to src/api. */
#ifndef HUSK_API_OPENAPI_H
#define HUSK_API_OPENAPI_H

#include "objects/kind.h"

#include <jansson.h>
#include <stdbool.h>

/* The definitions of every kind of group/version (NULL: every group or version) and of the types they
 * use, keyed by OpenAPI name; refs point into "#/definitions/" (v2) or "#/components/schemas/". */
json_t *api_openapi_definitions(const char *group, const char *version, bool v2);

#endif
