/* Validation as the API server does it: each problem carries the field path and the API server's words,
 * e.g. `spec.containers[0].image: Required value`, `spec.restartPolicy: Unsupported value: "Sometimes":
 * supported values: "Always", "OnFailure", "Never"`, plus the line and column when the object came from
 * YAML. Fields the schema does not know give a warning (kubectl's default), or an error when strict. */
#ifndef HUSK_OBJECTS_VALIDATE_H
#define HUSK_OBJECTS_VALIDATE_H

#include "objects/positions.h"
#include "objects/problems.h"

#include <jansson.h>

enum objects_strictness {
    OBJECTS_STRICT_WARN,  /* unknown fields are warnings (kubectl --validate=warn) */
    OBJECTS_STRICT_ERROR, /* unknown fields are errors (kubectl --validate=strict) */
};

/* Validates object (after objects_default, as the API server does). positions may be NULL. Appends to
 * *ret. Returns 0 when there is no error, -1 when there is at least one. */
int objects_validate(const json_t *object, const struct objects_positions *positions,
                     enum objects_strictness strictness, struct objects_problems *ret);

/* The message kubectl prints for an invalid object's header: `The Pod "lumpy-koala" is invalid`. */
int objects_invalid_header(const json_t *object, char *buf, size_t size);

#endif
