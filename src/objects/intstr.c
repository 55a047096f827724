/* IntOrString and named ports; see intstr.h (k8s.io/apimachinery/pkg/util/intstr). */
#include "objects/intstr.h"
#include "objects/pod.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int objects_intstr_from_json(const json_t *value, const char *field, struct objects_intstr *ret,
                             husk_error *err)
{
    if (json_is_string(value)) {
        *ret = (struct objects_intstr){.is_string = true, .string_value = json_string_value(value)};
        return 0;
    }
    if (json_is_integer(value)) {
        json_int_t v = json_integer_value(value);
        if (v < INT32_MIN || v > INT32_MAX)
            return husk_error_set(err, 0, "%s: %lld is out of range for an int32", field, (long long)v);
        *ret = (struct objects_intstr){.int_value = (int32_t)v};
        return 0;
    }
    return husk_error_set(err, 0, "%s: must be an integer or a string", field);
}

int objects_intstr_scaled_value(const struct objects_intstr *value, int total, bool round_up, int *ret,
                                husk_error *err)
{
    if (!value->is_string) {
        *ret = value->int_value;
        return 0;
    }
    const char *s = value->string_value;
    size_t n = strlen(s);
    char *end = NULL;
    long percent = n > 1 && s[n - 1] == '%' ? strtol(s, &end, 10) : 0;
    if (end == NULL || end != s + n - 1 || s[0] == '+' || s[0] == ' ')
        return husk_error_set(err, 0,
                              "invalid value for IntOrString: invalid type: string is not a percentage");
    double scaled = (double)percent * total / 100.0;
    *ret = (int)(round_up ? ceil(scaled) : floor(scaled));
    return 0;
}

int objects_intstr_resolve_port(const struct objects_intstr *port, const json_t *container, int *ret_port,
                                husk_error *err)
{
    if (!port->is_string) {
        *ret_port = port->int_value;
        return 0;
    }
    const json_t *ports = objects_get_array(container, "ports");
    size_t i;
    const json_t *p;
    json_array_foreach(ports, i, p)
    {
        const char *name = objects_get_string(p, "name");
        int64_t number = 0;
        if (name != NULL && strcmp(name, port->string_value) == 0 &&
            objects_get_int(p, "containerPort", &number)) {
            *ret_port = (int)number;
            return 0;
        }
    }
    const char *container_name = objects_get_string(container, "name");
    return husk_error_set(err, 0, "container \"%s\" has no port named \"%s\"",
                          container_name ? container_name : "", port->string_value);
}
