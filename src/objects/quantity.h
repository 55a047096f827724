/* Resource quantities exactly as k8s.io/apimachinery's resource.Quantity parses and prints them: "500m",
 * "1.5" (printed 1500m), "128Mi", "1G", "1e3", "0.5Gi" (printed 512Mi). Values are rounded up to the
 * nearest nano, as Kubernetes does ("if you want some resources, you should get some"). */
#ifndef HUSK_OBJECTS_QUANTITY_H
#define HUSK_OBJECTS_QUANTITY_H

#include "base/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum objects_quantity_format {
    OBJECTS_QUANTITY_DECIMAL_SI,       /* "1k", "500m" */
    OBJECTS_QUANTITY_BINARY_SI,        /* "1Ki", "128Mi" */
    OBJECTS_QUANTITY_DECIMAL_EXPONENT, /* "1e3" */
};

/* The value is mantissa * 10^scale. */
struct objects_quantity {
    __int128 mantissa;
    int32_t scale;
    enum objects_quantity_format format;
};

/* The messages Kubernetes gives for a malformed quantity. */
#define OBJECTS_QUANTITY_FORMAT_ERROR                                                                        \
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define OBJECTS_QUANTITY_SUFFIX_ERROR "unable to parse quantity's suffix"

/* Parses text; on failure err holds one of the messages above. */
int objects_quantity_parse(const char *text, struct objects_quantity *ret, husk_error *err);

/* Parses a JSON string or number (Kubernetes accepts `cpu: 1` as well as `cpu: "1"`). */
int objects_quantity_from_json(const json_t *value, struct objects_quantity *ret, husk_error *err);

/* Writes the canonical form ("1500m"); returns the length, or -1 when size is too small. */
int objects_quantity_format(const struct objects_quantity *q, char *buf, size_t size);

/* The value in units, and in thousandths of units, rounded up away from zero and saturated at the int64
 * range (as Quantity.Value and Quantity.MilliValue). */
int64_t objects_quantity_value(const struct objects_quantity *q);
int64_t objects_quantity_milli_value(const struct objects_quantity *q);

/* -1, 0 or 1 as a is less than, equal to or greater than b. */
int objects_quantity_cmp(const struct objects_quantity *a, const struct objects_quantity *b);

int objects_quantity_sign(const struct objects_quantity *q);

#endif
