/* Dropping fields a kind's schema does not have, as the Kubernetes API server does when it decodes a
 * request into its Go types: an unknown field is warned about (or refused under fieldValidation=Strict)
 * and never stored. */
#ifndef HUSK_API_PRUNE_H
#define HUSK_API_PRUNE_H

#include "objects/schema.h"

#include <jansson.h>

/* Removes from object every field fields does not name, recursively. The top-level "status" is kept as
 * written: only the node agent writes it, through the status subresource. */
void api_prune_unknown_fields(json_t *object, const struct objects_field *fields);

#endif
