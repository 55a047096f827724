/* Name checks of k8s.io/apimachinery/pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain,
 * IsQualifiedName, IsValidLabelValue, IsValidPortName, IsEnvVarName, IsConfigMapKey), with their messages
 * word for word, regular expressions and all, since users search for them. */
#include "objects/validation.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DNS_LABEL_MSG                                                                                        \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "  \
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "   \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define DNS_SUBDOMAIN_MSG                                                                                    \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "    \
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "   \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define QUALIFIED_NAME_MSG                                                                                   \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " \
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "                  \
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_MSG                                                                                      \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "     \
    "must "                                                                                                  \
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used " \
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define ENV_NAME_MSG                                                                                         \
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "    \
    "and "                                                                                                   \
    "must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "  \
    "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
#define CONFIG_KEY_MSG                                                                                       \
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "     \
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return isalnum((unsigned char)c) != 0;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static bool matches_label(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

bool objects_is_dns_label(const char *s)
{
    size_t n = strlen(s);
    return n <= 63 && matches_label(s, n);
}

static bool matches_subdomain(const char *s)
{
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
        if (!matches_label(s, n))
            return false;
        if (dot == NULL)
            return true;
        s = dot + 1;
    }
}

bool objects_is_dns_subdomain(const char *s)
{
    return strlen(s) <= 253 && matches_subdomain(s);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], or empty when allow_empty */
static bool matches_qualified(const char *s, size_t n, bool allow_empty)
{
    if (n == 0)
        return allow_empty;
    if (!is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && strchr("-_.", s[i]) == NULL)
            return false;
    return true;
}

void objects_check_dns_label(struct objects_validation *v, const char *field, const char *value)
{
    if (strlen(value) > 63)
        objects_err_invalid_string(v, field, value, "must be no more than 63 characters");
    if (!matches_label(value, strlen(value)))
        objects_err_invalid_string(v, field, value, DNS_LABEL_MSG);
}

void objects_check_dns_subdomain(struct objects_validation *v, const char *field, const char *value)
{
    if (strlen(value) > 253)
        objects_err_invalid_string(v, field, value, "must be no more than 253 characters");
    if (!matches_subdomain(value))
        objects_err_invalid_string(v, field, value, DNS_SUBDOMAIN_MSG);
}

/* IsQualifiedName, reporting each message as an Invalid of field with bad value `shown`. */
static void check_qualified(struct objects_validation *v, const char *field, const char *value,
                            const char *shown)
{
    const char *slash = strchr(value, '/');
    const char *name = value;
    if (slash != NULL && strchr(slash + 1, '/') != NULL) {
        objects_err_invalid_string(
            v, field, shown,
            "a qualified name " QUALIFIED_NAME_MSG
            " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        return;
    }
    if (slash != NULL) {
        char prefix[300];
        size_t n = (size_t)(slash - value);
        snprintf(prefix, sizeof prefix, "%.*s", (int)(n < 299 ? n : 299), value);
        if (n == 0)
            objects_err_invalid_string(v, field, shown, "prefix part must be non-empty");
        else if (n > 253)
            objects_err_invalid_string(v, field, shown, "prefix part must be no more than 253 characters");
        else if (!matches_subdomain(prefix))
            objects_err_invalid_string(v, field, shown, "prefix part " DNS_SUBDOMAIN_MSG);
        name = slash + 1;
    }
    size_t n = strlen(name);
    if (n == 0)
        objects_err_invalid_string(v, field, shown, "name part must be non-empty");
    else if (n > 63)
        objects_err_invalid_string(v, field, shown, "name part must be no more than 63 characters");
    if (!matches_qualified(name, n, false))
        objects_err_invalid_string(v, field, shown, "name part " QUALIFIED_NAME_MSG);
}

void objects_check_qualified_name(struct objects_validation *v, const char *field, const char *value)
{
    check_qualified(v, field, value, value);
}

void objects_check_labels(struct objects_validation *v, const char *field, const json_t *labels)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)labels, key, value)
    {
        check_qualified(v, field, key, key);
        const char *text = json_string_value(value);
        if (text == NULL)
            continue;
        if (strlen(text) > 63)
            objects_err_invalid_string(v, field, text, "must be no more than 63 characters");
        if (!matches_qualified(text, strlen(text), true))
            objects_err_invalid_string(v, field, text, LABEL_VALUE_MSG);
    }
}

void objects_check_annotations(struct objects_validation *v, const char *field, const json_t *annotations)
{
    const char *key;
    json_t *value;
    size_t total = 0;
    json_object_foreach((json_t *)annotations, key, value)
    {
        char lower[512];
        size_t n = strlen(key);
        snprintf(lower, sizeof lower, "%s", key);
        for (char *p = lower; *p != '\0'; p++)
            *p = (char)tolower((unsigned char)*p);
        if (n < sizeof lower)
            check_qualified(v, field, lower, key);
        else
            objects_err_invalid_string(v, field, key, "name part must be no more than 63 characters");
        total += n + json_string_length(value);
    }
    /* TotalAnnotationSizeLimitB: 256 KiB. */
    if (total > 256 * 1024)
        objects_err_too_long(v, field, 256 * 1024);
}

void objects_check_port_name(struct objects_validation *v, const char *field, const char *value)
{
    size_t n = strlen(value);
    bool charset = n > 0, letter = false;
    for (size_t i = 0; i < n; i++) {
        charset &= is_lower_alnum(value[i]) || value[i] == '-';
        letter |= value[i] >= 'a' && value[i] <= 'z';
    }
    if (n > 15)
        objects_err_invalid_string(v, field, value, "must be no more than 15 characters");
    if (!charset)
        objects_err_invalid_string(v, field, value,
                                   "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    if (!letter)
        objects_err_invalid_string(v, field, value, "must contain at least one letter (a-z)");
    if (strstr(value, "--") != NULL)
        objects_err_invalid_string(v, field, value, "must not contain consecutive hyphens");
    if (n > 0 && (value[0] == '-' || value[n - 1] == '-'))
        objects_err_invalid_string(v, field, value, "must not begin or end with a hyphen");
}

void objects_check_env_name(struct objects_validation *v, const char *field, const char *value)
{
    bool ok = value[0] != '\0' && !isdigit((unsigned char)value[0]);
    for (const char *p = value; *p != '\0' && ok; p++)
        ok = is_alnum(*p) || strchr("-._", *p) != NULL;
    if (!ok)
        objects_err_invalid_string(v, field, value, ENV_NAME_MSG);
}

void objects_check_config_key(struct objects_validation *v, const char *field, const char *value)
{
    size_t n = strlen(value);
    bool ok = n > 0;
    for (const char *p = value; *p != '\0' && ok; p++)
        ok = is_alnum(*p) || strchr("-._", *p) != NULL;
    if (n > 253)
        objects_err_invalid_string(v, field, value, "must be no more than 253 characters");
    if (!ok)
        objects_err_invalid_string(v, field, value, CONFIG_KEY_MSG);
    if (strcmp(value, ".") == 0)
        objects_err_invalid_string(v, field, value, "must not be '.'");
    else if (strcmp(value, "..") == 0)
        objects_err_invalid_string(v, field, value, "must not be '..'");
    else if (strncmp(value, "..", 2) == 0)
        objects_err_invalid_string(v, field, value, "must not start with '..'");
}
