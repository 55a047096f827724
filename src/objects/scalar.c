/* YAML 1.1 plain-scalar resolution as go-yaml v2 (used by sigs.k8s.io/yaml, hence kubectl) does it; see
 * scalar.h. Matching it matters: `version: 1.10` is the float 1.1 to Kubernetes, `enabled: yes` is true. */
#include "objects/scalar.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool text_in(const char *text, size_t len, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strlen(*words) == len && memcmp(*words, text, len) == 0)
            return true;
    return false;
}

static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                         "True", "TRUE", "on",  "On",  "ON",  NULL};
static const char *const false_words[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                          "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const inf_words[] = {".inf",  ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                                        "-.Inf", "-.INF", ".nan", ".NaN",  ".NAN",  NULL};

/* Copies text without underscores (go-yaml v2 drops them before parsing numbers); false if too long. */
static bool strip_underscores(const char *text, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '_')
            continue;
        if (text[i] == '\0' || n + 1 >= size)
            return false;
        out[n++] = text[i];
    }
    out[n] = '\0';
    return n > 0;
}

/* strconv.ParseInt(s, 0, 64): optional sign, then 0x / 0o / 0b / leading-0 octal / decimal. */
static bool parse_go_int(const char *s, long long *ret)
{
    const char *p = s;
    bool negative = false;
    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
        base = 8, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
        base = 2, p += 2;
    else if (p[0] == '0' && p[1] != '\0')
        base = 8, p += 1;
    if (*p == '\0' || *p == '+' || *p == '-' || *p == ' ')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long magnitude = strtoull(p, &end, base);
    if (errno != 0 || *end != '\0')
        return false;
    if (magnitude > (unsigned long long)INT64_MAX + (negative ? 1ULL : 0ULL))
        return false;
    *ret = negative ? (long long)(0 - magnitude) : (long long)magnitude;
    return true;
}

/* go-yaml's float pattern: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_yaml_float(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

enum objects_scalar_kind objects_scalar_classify(const char *text, size_t len)
{
    if (len == 0 || text_in(text, len, null_words))
        return OBJECTS_SCALAR_NULL;
    if (text_in(text, len, true_words) || text_in(text, len, false_words))
        return OBJECTS_SCALAR_BOOL;
    if (text_in(text, len, inf_words))
        return OBJECTS_SCALAR_NONFINITE;
    if (strchr("+-.0123456789", text[0]) == NULL)
        return OBJECTS_SCALAR_STRING;
    char buf[128];
    if (!strip_underscores(text, len, buf, sizeof buf))
        return OBJECTS_SCALAR_STRING;
    long long ignored;
    if (parse_go_int(buf, &ignored))
        return OBJECTS_SCALAR_INT;
    if (is_yaml_float(buf))
        return OBJECTS_SCALAR_FLOAT;
    return OBJECTS_SCALAR_STRING;
}

static json_t *float_value(double value)
{
    /* Go's encoding/json prints 1000.0 as 1000; keeping exact integers as integers reads back the same. */
    if (value == floor(value) && fabs(value) < 9007199254740992.0)
        return json_integer((json_int_t)value);
    return json_real(value);
}

json_t *objects_scalar_resolve(const char *text, size_t len)
{
    char buf[128];
    long long integer = 0;
    switch (objects_scalar_classify(text, len)) {
    case OBJECTS_SCALAR_NULL:
        return json_null();
    case OBJECTS_SCALAR_BOOL:
        return json_boolean(text_in(text, len, true_words));
    case OBJECTS_SCALAR_INT:
        strip_underscores(text, len, buf, sizeof buf);
        parse_go_int(buf, &integer);
        return json_integer(integer);
    case OBJECTS_SCALAR_FLOAT:
        strip_underscores(text, len, buf, sizeof buf);
        double value = strtod(buf, NULL);
        if (!isfinite(value))
            return NULL; /* 1e999 overflows, as in Go: not representable in JSON */
        return float_value(value);
    case OBJECTS_SCALAR_NONFINITE:
        return NULL;
    case OBJECTS_SCALAR_STRING:
        break;
    }
    return json_stringn(text, len);
}
