/* The helpers every validator in this layer shares: the validation context, problem reporting with the
 * position looked up, the field.Error kinds of k8s.io/apimachinery (Required, Invalid, Unsupported,
 * Duplicate, Forbidden, NotFound, TooLong) in their exact words, and the name checks
 * (k8s.io/apimachinery/pkg/util/validation). Internal to src/objects. */
#ifndef HUSK_OBJECTS_VALIDATION_H
#define HUSK_OBJECTS_VALIDATION_H

#include "objects/positions.h"
#include "objects/problems.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBJECTS_PATH_MAX 2048

struct objects_validation {
    const struct objects_positions *positions;
    struct objects_problems *problems;
    bool strict;
};

/* Adds a problem for field, with its line:column looked up in positions. */
void objects_report(struct objects_problems *problems, const struct objects_positions *positions,
                    enum objects_severity severity, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A value as field.Invalid prints it: strings Go-quoted, numbers and booleans bare, maps as Go maps. */
void objects_format_json_value(const json_t *value, char *buf, size_t size);
/* A string Go-quoted (%q). */
void objects_quote(const char *s, char *buf, size_t size);

/* field.ErrorList constructors. detail may be NULL where Kubernetes prints none. */
void objects_err_required(struct objects_validation *v, const char *field, const char *detail);
void objects_err_invalid(struct objects_validation *v, const char *field, const json_t *value,
                         const char *detail);
void objects_err_invalid_string(struct objects_validation *v, const char *field, const char *value,
                                const char *detail);
void objects_err_invalid_int(struct objects_validation *v, const char *field, int64_t value,
                             const char *detail);
/* supported is NULL-terminated. */
void objects_err_unsupported(struct objects_validation *v, const char *field, const char *value,
                             const char *const *supported);
void objects_err_duplicate(struct objects_validation *v, const char *field, const char *value);
void objects_err_forbidden(struct objects_validation *v, const char *field, const char *detail);
void objects_err_not_found(struct objects_validation *v, const char *field, const char *value);
void objects_err_too_long(struct objects_validation *v, const char *field, size_t max);

/* Checks a string enum; adds Unsupported when value is not one of supported. Absent (NULL) is fine. */
void objects_check_enum(struct objects_validation *v, const char *field, const char *value,
                        const char *const *supported);

/* Name checks: each reports an Invalid per failed rule (as Kubernetes does, one error per message). */
bool objects_is_dns_label(const char *s);
bool objects_is_dns_subdomain(const char *s);
void objects_check_dns_label(struct objects_validation *v, const char *field, const char *value);
void objects_check_dns_subdomain(struct objects_validation *v, const char *field, const char *value);
void objects_check_qualified_name(struct objects_validation *v, const char *field, const char *value);
void objects_check_labels(struct objects_validation *v, const char *field, const json_t *labels);
void objects_check_annotations(struct objects_validation *v, const char *field, const json_t *annotations);
void objects_check_port_name(struct objects_validation *v, const char *field, const char *value);
void objects_check_env_name(struct objects_validation *v, const char *field, const char *value);
void objects_check_config_key(struct objects_validation *v, const char *field, const char *value);
void objects_check_port_number(struct objects_validation *v, const char *field, int64_t value);
void objects_check_non_negative(struct objects_validation *v, const char *field, const json_t *value);

/* A string field, "" when absent or null (Go's zero value; the schema check has already refused other
 * types), and an integer field with its zero value. */
const char *objects_str(const json_t *object, const char *key);
int64_t objects_int(const json_t *object, const char *key, int64_t zero);
bool objects_has(const json_t *object, const char *key); /* present and not null */

/* Path building into an OBJECTS_PATH_MAX buffer; a longer path is cut, which only shortens a message. */
void objects_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
