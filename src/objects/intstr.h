/* IntOrString (a port given as 8080 or as the name "http"; maxSurge given as 1 or "25%") and the named-port
 * lookup that probes and services use. */
#ifndef HUSK_OBJECTS_INTSTR_H
#define HUSK_OBJECTS_INTSTR_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct objects_intstr {
    bool is_string;
    int32_t int_value;
    const char *string_value; /* borrowed from the JSON value */
};

/* Reads a JSON integer (int32) or string; fails on any other type, naming the field. */
int objects_intstr_from_json(const json_t *value, const char *field, struct objects_intstr *ret,
                             husk_error *err);

/* intstr.GetScaledValueFromIntOrPercent: an int as is, or "25%" of total, rounded up or down. */
int objects_intstr_scaled_value(const struct objects_intstr *value, int total, bool round_up, int *ret,
                                husk_error *err);

/* Resolves a probe or handler port against a container (a JSON Container): a number as is, a name through
 * the container's ports[].name. Fails when the name is not declared. */
int objects_intstr_resolve_port(const struct objects_intstr *port, const json_t *container, int *ret_port,
                                husk_error *err);

#endif
