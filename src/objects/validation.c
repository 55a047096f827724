/* Problem reporting and the field.Error kinds of k8s.io/apimachinery/pkg/util/validation/field, in their
 * exact words (errors.go: "Required value", "Invalid value", "Unsupported value", ...); see validation.h. */
#include "objects/validation.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void objects_report(struct objects_problems *problems, const struct objects_positions *positions,
                    enum objects_severity severity, const char *field, const char *fmt, ...)
{
    int line = 0, column = 0;
    objects_positions_lookup(positions, field, &line, &column);
    va_list ap;
    va_start(ap, fmt);
    objects_problems_addv(problems, severity, field, line, column, fmt, ap);
    va_end(ap);
}

void objects_quote(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    if (size < 3)
        return;
    buf[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && n + 6 < size; p++) {
        if (*p == '"' || *p == '\\')
            n += (size_t)snprintf(buf + n, size - n, "\\%c", *p);
        else if (*p == '\n')
            n += (size_t)snprintf(buf + n, size - n, "\\n");
        else if (*p == '\t')
            n += (size_t)snprintf(buf + n, size - n, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", *p);
        else
            buf[n++] = (char)*p;
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

/* Go prints a map[string]string bad value as map[string]string{"app":"web"} (%#v); any other object (a
 * struct in Go) is shown as its JSON, which says more than Go's pointer dump would. */
static void format_map(const json_t *value, char *buf, size_t size)
{
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)value, key, item)
    {
        if (!json_is_string(item)) {
            char *text = json_dumps(value, JSON_COMPACT);
            snprintf(buf, size, "%s", text != NULL ? text : "{...}");
            free(text);
            return;
        }
    }
    size_t n = (size_t)snprintf(buf, size, "map[string]string{");
    int first = 1;
    json_object_foreach((json_t *)value, key, item)
    {
        char k[256], v[256];
        objects_quote(key, k, sizeof k);
        objects_quote(json_is_string(item) ? json_string_value(item) : "", v, sizeof v);
        if (n < size)
            n += (size_t)snprintf(buf + n, size - n, "%s%s:%s", first ? "" : ", ", k, v);
        first = 0;
    }
    if (n < size)
        snprintf(buf + n, size - n, "}");
}

void objects_format_json_value(const json_t *value, char *buf, size_t size)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        objects_quote(json_string_value(value), buf, size);
        break;
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        break;
    case JSON_REAL:
        snprintf(buf, size, "%g", json_real_value(value));
        break;
    case JSON_TRUE:
        snprintf(buf, size, "true");
        break;
    case JSON_FALSE:
        snprintf(buf, size, "false");
        break;
    case JSON_NULL:
        snprintf(buf, size, "null");
        break;
    case JSON_OBJECT:
        format_map(value, buf, size);
        break;
    case JSON_ARRAY:
        snprintf(buf, size, "[]interface {}{...}");
        break;
    }
}

static void add(struct objects_validation *v, const char *field, const char *body, const char *detail)
{
    objects_report(v->problems, v->positions, OBJECTS_SEVERITY_ERROR, field, "%s: %s%s%s", field, body,
                   detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

void objects_err_required(struct objects_validation *v, const char *field, const char *detail)
{
    add(v, field, "Required value", detail);
}

void objects_err_invalid(struct objects_validation *v, const char *field, const json_t *value,
                         const char *detail)
{
    char shown[512], body[600];
    objects_format_json_value(value, shown, sizeof shown);
    snprintf(body, sizeof body, "Invalid value: %s", shown);
    add(v, field, body, detail);
}

void objects_err_invalid_string(struct objects_validation *v, const char *field, const char *value,
                                const char *detail)
{
    char shown[512], body[600];
    objects_quote(value, shown, sizeof shown);
    snprintf(body, sizeof body, "Invalid value: %s", shown);
    add(v, field, body, detail);
}

void objects_err_invalid_int(struct objects_validation *v, const char *field, int64_t value,
                             const char *detail)
{
    char body[64];
    snprintf(body, sizeof body, "Invalid value: %lld", (long long)value);
    add(v, field, body, detail);
}

void objects_err_unsupported(struct objects_validation *v, const char *field, const char *value,
                             const char *const *supported)
{
    char shown[512], body[600], detail[512] = "supported values: ";
    objects_quote(value, shown, sizeof shown);
    snprintf(body, sizeof body, "Unsupported value: %s", shown);
    for (size_t i = 0; supported[i] != NULL; i++) {
        size_t n = strlen(detail);
        snprintf(detail + n, sizeof detail - n, "%s\"%s\"", i > 0 ? ", " : "", supported[i]);
    }
    add(v, field, body, detail);
}

void objects_err_duplicate(struct objects_validation *v, const char *field, const char *value)
{
    char shown[512], body[600];
    objects_quote(value, shown, sizeof shown);
    snprintf(body, sizeof body, "Duplicate value: %s", shown);
    add(v, field, body, NULL);
}

void objects_err_forbidden(struct objects_validation *v, const char *field, const char *detail)
{
    add(v, field, "Forbidden", detail);
}

void objects_err_not_found(struct objects_validation *v, const char *field, const char *value)
{
    char shown[512], body[600];
    objects_quote(value, shown, sizeof shown);
    snprintf(body, sizeof body, "Not found: %s", shown);
    add(v, field, body, NULL);
}

void objects_err_too_long(struct objects_validation *v, const char *field, size_t max)
{
    char detail[64];
    snprintf(detail, sizeof detail, "must have at most %zu bytes", max);
    add(v, field, "Too long", detail);
}

void objects_check_enum(struct objects_validation *v, const char *field, const char *value,
                        const char *const *supported)
{
    if (value == NULL)
        return;
    for (size_t i = 0; supported[i] != NULL; i++)
        if (strcmp(value, supported[i]) == 0)
            return;
    objects_err_unsupported(v, field, value, supported);
}

void objects_check_port_number(struct objects_validation *v, const char *field, int64_t value)
{
    if (value < 1 || value > 65535)
        objects_err_invalid_int(v, field, value, "must be between 1 and 65535, inclusive");
}

void objects_check_non_negative(struct objects_validation *v, const char *field, const json_t *value)
{
    if (json_is_integer(value) && json_integer_value(value) < 0)
        objects_err_invalid_int(v, field, json_integer_value(value), "must be greater than or equal to 0");
}

const char *objects_str(const json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s != NULL ? s : "";
}

int64_t objects_int(const json_t *object, const char *key, int64_t zero)
{
    json_t *value = json_object_get(object, key);
    return json_is_integer(value) ? json_integer_value(value) : zero;
}

bool objects_has(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    return value != NULL && !json_is_null(value);
}

void objects_path(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, OBJECTS_PATH_MAX, fmt, ap);
    va_end(ap);
}
