/* Parsing and matching of label and field selectors; see selector.h. */
#include "api/selector.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum selector_op { OP_EQ, OP_NEQ, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOT_EXISTS };

/* A selector holds at most this many requirements and values per requirement: a client controls them. */
#define SELECTOR_MAX_REQUIREMENTS 32
#define SELECTOR_MAX_VALUES       32
#define SELECTOR_MAX_TOKEN        316 /* a qualified key: 253-byte prefix, '/', 63-byte name */

struct requirement {
    char *key;
    enum selector_op op;
    int nvalues;
    char *values[SELECTOR_MAX_VALUES];
};

struct api_selector {
    int n;
    struct requirement reqs[SELECTOR_MAX_REQUIREMENTS];
};

bool api_selector_empty(const api_selector *sel)
{
    return sel == NULL || sel->n == 0;
}

void api_selector_free(api_selector *sel)
{
    if (sel == NULL)
        return;
    for (int i = 0; i < sel->n; i++) {
        free(sel->reqs[i].key);
        for (int j = 0; j < sel->reqs[i].nvalues; j++)
            free(sel->reqs[i].values[j]);
    }
    free(sel);
}

static void skip_spaces(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

static bool token_char(char c, bool is_key)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || (is_key && c == '/');
}

/* Reads a key or a value; an empty value is allowed (`a=`), an empty key is not. */
static int read_token(const char **p, bool is_key, char **ret, husk_error *err)
{
    skip_spaces(p);
    const char *start = *p;
    while (token_char(**p, is_key))
        (*p)++;
    size_t n = (size_t)(*p - start);
    /* The explicit returns of -1 let the static analyzer see that *ret is set whenever 0 is returned. */
    if (n > SELECTOR_MAX_TOKEN) {
        husk_error_set(err, EINVAL, "unable to parse requirement: %.*s...: too long", 20, start);
        return -1;
    }
    if (is_key && n == 0) {
        husk_error_set(err, EINVAL, "unable to parse requirement: found '%s', expected: identifier", *p);
        return -1;
    }
    *ret = strndup(start, n);
    if (*ret == NULL) {
        husk_error_set(err, ENOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static int add_value(struct requirement *r, const char **p, husk_error *err)
{
    if (r->nvalues == SELECTOR_MAX_VALUES)
        return husk_error_set(err, EINVAL, "unable to parse requirement: more than %d values",
                              SELECTOR_MAX_VALUES);
    return read_token(p, false, &r->values[r->nvalues++], err);
}

static int parse_set(struct requirement *r, const char **p, husk_error *err)
{
    skip_spaces(p);
    if (**p != '(')
        return husk_error_set(err, EINVAL, "unable to parse requirement: found '%s', expected: '('", *p);
    (*p)++;
    for (;;) {
        if (add_value(r, p, err) < 0)
            return -1;
        skip_spaces(p);
        if (**p == ')') {
            (*p)++;
            return 0;
        }
        if (**p != ',')
            return husk_error_set(err, EINVAL, "unable to parse requirement: found '%s', expected: ',', ')'",
                                  *p);
        (*p)++;
    }
}

static bool starts_word(const char *p, const char *word)
{
    size_t n = strlen(word);
    return strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '(');
}

static int parse_label_requirement(struct requirement *r, const char **p, husk_error *err)
{
    skip_spaces(p);
    bool negated = **p == '!';
    if (negated)
        (*p)++;
    if (read_token(p, true, &r->key, err) < 0)
        return -1;
    skip_spaces(p);
    if (**p == ',' || **p == '\0') {
        r->op = negated ? OP_NOT_EXISTS : OP_EXISTS;
        return 0;
    }
    if (negated)
        return husk_error_set(err, EINVAL, "unable to parse requirement: found '%s', expected: ',' or end",
                              *p);
    if (strncmp(*p, "==", 2) == 0 || strncmp(*p, "!=", 2) == 0) {
        r->op = **p == '!' ? OP_NEQ : OP_EQ;
        *p += 2;
        return add_value(r, p, err);
    }
    if (**p == '=') {
        r->op = OP_EQ;
        (*p)++;
        return add_value(r, p, err);
    }
    if (starts_word(*p, "in") || starts_word(*p, "notin")) {
        r->op = **p == 'i' ? OP_IN : OP_NOTIN;
        *p += r->op == OP_IN ? 2 : 5;
        return parse_set(r, p, err);
    }
    return husk_error_set(
        err, EINVAL, "unable to parse requirement: found '%s', expected: in, notin, =, ==, !=, gt, lt", *p);
}

static int parse_fields(const char *text, bool labels, api_selector **ret, husk_error *err)
{
    api_selector *sel = calloc(1, sizeof *sel);
    if (sel == NULL) {
        husk_error_set(err, ENOMEM, "out of memory");
        return -1;
    }
    const char *p = text ? text : "";
    skip_spaces(&p);
    while (*p != '\0') {
        if (sel->n == SELECTOR_MAX_REQUIREMENTS) {
            api_selector_free(sel);
            husk_error_set(err, EINVAL, "selector has more than %d requirements", SELECTOR_MAX_REQUIREMENTS);
            return -1;
        }
        struct requirement *r = &sel->reqs[sel->n++];
        int rc = 0;
        if (labels) {
            rc = parse_label_requirement(r, &p, err);
        } else {
            rc = read_token(&p, true, &r->key, err);
            skip_spaces(&p);
            if (rc == 0 && (strncmp(p, "==", 2) == 0 || strncmp(p, "!=", 2) == 0)) {
                r->op = *p == '!' ? OP_NEQ : OP_EQ;
                p += 2;
            } else if (rc == 0 && *p == '=') {
                r->op = OP_EQ;
                p++;
            } else if (rc == 0) {
                rc = husk_error_set(err, EINVAL, "invalid selector: '%s'; can't understand '%s'", text, p);
            }
            if (rc == 0)
                rc = add_value(r, &p, err);
        }
        skip_spaces(&p);
        if (rc == 0 && *p != '\0' && *p != ',')
            rc = husk_error_set(err, EINVAL, "unable to parse requirement: found '%s', expected: ','", p);
        if (rc < 0) {
            api_selector_free(sel);
            return -1;
        }
        if (*p == ',')
            p++;
        skip_spaces(&p);
    }
    *ret = sel;
    return 0;
}

int api_label_selector_parse(const char *text, api_selector **ret_selector, husk_error *err)
{
    return parse_fields(text, true, ret_selector, err);
}

/* The fields upstream registers as selectable, per resource; metadata.name and metadata.namespace for all. */
static bool field_supported(const char *resource, const char *field)
{
    static const char *const pod_fields[] = {
        "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",       "spec.serviceAccountName",
        "status.phase",  "status.podIP",       "status.nominatedNodeName", NULL};
    static const char *const event_fields[] = {"involvedObject.kind",
                                               "involvedObject.namespace",
                                               "involvedObject.name",
                                               "involvedObject.uid",
                                               "involvedObject.apiVersion",
                                               "involvedObject.resourceVersion",
                                               "involvedObject.fieldPath",
                                               "reason",
                                               "reportingComponent",
                                               "source",
                                               "type",
                                               NULL};
    static const char *const node_fields[] = {"spec.unschedulable", NULL};
    static const char *const secret_fields[] = {"type", NULL};
    if (strcmp(field, "metadata.name") == 0 || strcmp(field, "metadata.namespace") == 0)
        return true;
    const char *const *list = strcmp(resource, "pods") == 0      ? pod_fields
                              : strcmp(resource, "events") == 0  ? event_fields
                              : strcmp(resource, "nodes") == 0   ? node_fields
                              : strcmp(resource, "secrets") == 0 ? secret_fields
                                                                 : NULL;
    for (; list && *list; list++)
        if (strcmp(*list, field) == 0)
            return true;
    return false;
}

int api_field_selector_parse(const char *text, const char *resource, api_selector **ret_selector,
                             husk_error *err)
{
    api_selector *sel = NULL;
    if (parse_fields(text, false, &sel, err) < 0)
        return -1;
    for (int i = 0; i < sel->n; i++) {
        if (!field_supported(resource, sel->reqs[i].key)) {
            husk_error_set(err, EINVAL, "field label not supported: %s", sel->reqs[i].key);
            api_selector_free(sel);
            return -1;
        }
    }
    *ret_selector = sel;
    return 0;
}

static bool requirement_matches(const struct requirement *r, const char *value)
{
    bool in = false;
    for (int i = 0; value && i < r->nvalues; i++)
        if (strcmp(r->values[i], value) == 0)
            in = true;
    switch (r->op) {
    case OP_EQ:
    case OP_IN:
        return in;
    case OP_NEQ:
    case OP_NOTIN:
        return !in;
    case OP_EXISTS:
        return value != NULL;
    case OP_NOT_EXISTS:
        return value == NULL;
    }
    return false;
}

bool api_label_selector_matches(const api_selector *sel, const json_t *obj)
{
    const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
    for (int i = 0; sel && i < sel->n; i++)
        if (!requirement_matches(&sel->reqs[i], json_string_value(json_object_get(labels, sel->reqs[i].key))))
            return false;
    return true;
}

/* The field's value as a string: a missing field is "", as upstream's field sets make it. */
static void field_value(const json_t *obj, const char *path, char *buf, size_t size)
{
    char part[SELECTOR_MAX_TOKEN + 1];
    const json_t *cur = obj;
    for (const char *p = path; cur && *p;) {
        size_t n = strcspn(p, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        cur = json_object_get(cur, part);
        p += n + (p[n] == '.');
    }
    if (json_is_string(cur))
        snprintf(buf, size, "%s", json_string_value(cur));
    else if (json_is_boolean(cur))
        snprintf(buf, size, "%s", json_is_true(cur) ? "true" : "false");
    else
        buf[0] = '\0';
}

bool api_field_selector_matches(const api_selector *sel, const json_t *obj)
{
    char value[1024];
    for (int i = 0; sel && i < sel->n; i++) {
        field_value(obj, sel->reqs[i].key, value, sizeof value);
        if (!requirement_matches(&sel->reqs[i], value))
            return false;
    }
    return true;
}
