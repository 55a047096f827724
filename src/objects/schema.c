/* The schema walker: unknown fields and wrongly typed values, for every kind alike; see schema.h. Wrong types
 * are reported in the words of Go's encoding/json, which is what the API server answers for them. */
#include "objects/schema.h"
#include "objects/quantity.h"
#include "objects/validation.h"

#include <stdio.h>
#include <string.h>

struct walk {
    const struct objects_positions *positions;
    bool strict;
    struct objects_problems *problems;
    size_t type_errors;
};

static const char *json_kind(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "number";
    }
}

static const char *go_type(enum objects_field_type type)
{
    static const char *const names[] = {
        [OBJECTS_FIELD_STRING] = "string",
        [OBJECTS_FIELD_BOOL] = "bool",
        [OBJECTS_FIELD_INT32] = "int32",
        [OBJECTS_FIELD_INT64] = "int64",
        [OBJECTS_FIELD_NUMBER] = "float64",
        [OBJECTS_FIELD_QUANTITY] = "resource.Quantity",
        [OBJECTS_FIELD_INT_OR_STRING] = "intstr.IntOrString",
        [OBJECTS_FIELD_OBJECT] = "struct",
        [OBJECTS_FIELD_STRING_MAP] = "map[string]string",
        [OBJECTS_FIELD_QUANTITY_MAP] = "map[string]resource.Quantity",
        [OBJECTS_FIELD_ANY] = "interface {}",
    };
    return names[type];
}

static void type_error(struct walk *w, const char *path, const json_t *value, const char *type_name)
{
    char shown[160];
    objects_format_json_value(value, shown, sizeof shown);
    w->type_errors++;
    objects_report(w->problems, w->positions, OBJECTS_SEVERITY_ERROR, path,
                   "%s: Invalid value: %s: json: cannot unmarshal %s into Go value of type %s", path, shown,
                   json_kind(value), type_name);
}

static bool integer_fits(const json_t *value, enum objects_field_type type)
{
    if (!json_is_integer(value))
        return false;
    json_int_t v = json_integer_value(value);
    return type == OBJECTS_FIELD_INT64 || (v >= INT32_MIN && v <= INT32_MAX);
}

static void check_value(struct walk *w, const json_t *value, const struct objects_field *field,
                        const char *path);

static void check_quantity(struct walk *w, const json_t *value, const char *path)
{
    struct objects_quantity q;
    husk_error err = {0};
    if (!json_is_string(value) && !json_is_number(value)) {
        type_error(w, path, value, "resource.Quantity");
        return;
    }
    if (objects_quantity_from_json(value, &q, &err) < 0) {
        char shown[160];
        objects_format_json_value(value, shown, sizeof shown);
        w->type_errors++;
        objects_report(w->problems, w->positions, OBJECTS_SEVERITY_ERROR, path, "%s: Invalid value: %s: %s",
                       path, shown, err.message);
    }
}

static void check_map(struct walk *w, const json_t *value, enum objects_field_type type, const char *path)
{
    if (!json_is_object(value)) {
        type_error(w, path, value, go_type(type));
        return;
    }
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)value, key, item)
    {
        char child[OBJECTS_PATH_MAX];
        objects_path(child, "%s[%s]", path, key);
        if (json_is_null(item))
            continue;
        if (type == OBJECTS_FIELD_QUANTITY_MAP)
            check_quantity(w, item, child);
        else if (!json_is_string(item))
            type_error(w, child, item, "string");
    }
}

static void check_object(struct walk *w, const json_t *value, const struct objects_field *fields,
                         const char *path)
{
    if (!json_is_object(value)) {
        type_error(w, path, value, "struct");
        return;
    }
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)value, key, item)
    {
        char child[OBJECTS_PATH_MAX];
        objects_path(child, "%s%s%s", path, path[0] != '\0' ? "." : "", key);
        const struct objects_field *field = fields;
        while (field->name != NULL && strcmp(field->name, key) != 0)
            field++;
        if (field->name == NULL) {
            /* kubectl's words for server-side field validation (KEP-2885). */
            objects_report(w->problems, w->positions,
                           w->strict ? OBJECTS_SEVERITY_ERROR : OBJECTS_SEVERITY_WARNING, child,
                           "unknown field \"%s\"", child);
            continue;
        }
        check_value(w, item, field, child);
    }
}

static void check_single(struct walk *w, const json_t *value, const struct objects_field *field,
                         const char *path)
{
    switch (field->type) {
    case OBJECTS_FIELD_STRING:
        if (!json_is_string(value))
            type_error(w, path, value, "string");
        break;
    case OBJECTS_FIELD_BOOL:
        if (!json_is_boolean(value))
            type_error(w, path, value, "bool");
        break;
    case OBJECTS_FIELD_INT32:
    case OBJECTS_FIELD_INT64:
        if (!integer_fits(value, field->type))
            type_error(w, path, value, go_type(field->type));
        break;
    case OBJECTS_FIELD_NUMBER:
        if (!json_is_number(value))
            type_error(w, path, value, "float64");
        break;
    case OBJECTS_FIELD_QUANTITY:
        check_quantity(w, value, path);
        break;
    case OBJECTS_FIELD_INT_OR_STRING:
        if (!json_is_string(value) && !integer_fits(value, OBJECTS_FIELD_INT32))
            type_error(w, path, value, "intstr.IntOrString");
        break;
    case OBJECTS_FIELD_OBJECT:
        check_object(w, value, field->fields, path);
        break;
    case OBJECTS_FIELD_STRING_MAP:
    case OBJECTS_FIELD_QUANTITY_MAP:
        check_map(w, value, field->type, path);
        break;
    case OBJECTS_FIELD_ANY:
        break;
    }
}

static void check_value(struct walk *w, const json_t *value, const struct objects_field *field,
                        const char *path)
{
    if (json_is_null(value))
        return; /* Go's encoding/json leaves the zero value for null */
    if (!field->list) {
        check_single(w, value, field, path);
        return;
    }
    if (!json_is_array(value)) {
        char type[64];
        snprintf(type, sizeof type, "[]%s", go_type(field->type));
        type_error(w, path, value, type);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item)
    {
        char child[OBJECTS_PATH_MAX];
        objects_path(child, "%s[%zu]", path, i);
        if (!json_is_null(item))
            check_single(w, item, field, child);
    }
}

size_t objects_schema_check(const json_t *value, const struct objects_field *fields, const char *path,
                            const struct objects_positions *positions, bool strict,
                            struct objects_problems *problems)
{
    struct walk w = {positions, strict, problems, 0};
    check_object(&w, value, fields, path);
    return w.type_errors;
}

const struct objects_field *objects_schema_table_end(const struct objects_field *fields)
{
    while (fields->name != NULL)
        fields++;
    return fields;
}
