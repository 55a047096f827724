/* Resolving an untagged plain YAML scalar to a JSON value the way sigs.k8s.io/yaml (go-yaml v2, YAML 1.1)
 * does: null/~/empty, true/yes/on and false/no/off in their three spellings, ints (decimal, 0x, 0o, 0b,
 * leading-0 octal, underscores allowed), floats (including .inf and .nan, which JSON cannot hold). */
#ifndef HUSK_OBJECTS_SCALAR_H
#define HUSK_OBJECTS_SCALAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum objects_scalar_kind {
    OBJECTS_SCALAR_STRING,
    OBJECTS_SCALAR_NULL,
    OBJECTS_SCALAR_BOOL,
    OBJECTS_SCALAR_INT,
    OBJECTS_SCALAR_FLOAT,
    OBJECTS_SCALAR_NONFINITE, /* .inf, .nan: no JSON form */
};

/* What a plain (unquoted) scalar would resolve to. */
enum objects_scalar_kind objects_scalar_classify(const char *text, size_t len);

/* The JSON value of a plain scalar (a new reference), or NULL for .inf/.nan or on allocation failure.
 * Integral floats small enough to be exact become JSON integers, as Go's encoding/json prints them. */
json_t *objects_scalar_resolve(const char *text, size_t len);

#endif
