/* OpenAPI schemas generated from the objects layer's field tables (src/objects/schema_*.c), so that what
 * `kubectl explain` shows and what kubectl computes its apply patches from is exactly what husk decodes.
 * A table whose end names a Kubernetes type becomes a definition of its own ("io.k8s.api.core.v1.Container")
 * referenced where it is used; an anonymous table is inlined. Lists that strategic merge patches merge by
 * key carry x-kubernetes-patch-merge-key, from the same table the server's patcher uses (patch.c). */
#include "api/openapi.h"
#include "api/patch.h"

#include <stdio.h>
#include <string.h>

#define QUANTITY_TYPE      "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define INT_OR_STRING_TYPE "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define MAX_SCHEMA_DEPTH   32

struct generator {
    json_t *definitions; /* name -> schema, filled as types are met */
    bool v2; /* Swagger 2.0 ("#/definitions/", plain $ref) or OpenAPI 3 ("#/components/schemas/") */
};

static json_t *ref_to(const struct generator *g, const char *type_name)
{
    char ref[256];
    snprintf(ref, sizeof ref, "%s%s", g->v2 ? "#/definitions/" : "#/components/schemas/", type_name);
    return json_pack("{s:s}", "$ref", ref);
}

static void define_scalar_types(struct generator *g)
{
    json_object_set_new(
        g->definitions, QUANTITY_TYPE,
        json_pack(
            "{s:s, s:[{s:s},{s:s}]}", "description",
            "Quantity is a fixed-point representation of a number. It provides convenient "
            "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.",
            "oneOf", "type", "string", "type", "number"));
    json_object_set_new(
        g->definitions, INT_OR_STRING_TYPE,
        json_pack("{s:s, s:s, s:s}", "description",
                  "IntOrString is a type that can hold an int32 or a string.  When used in JSON or "
                  "YAML marshalling and unmarshalling, it produces or consumes the inner type.",
                  "format", "int-or-string", "type", "string"));
}

static json_t *table_schema(struct generator *g, const struct objects_field *fields, int depth);

/* A use of a named type: a plain $ref in Swagger 2.0; allOf around it in OpenAPI 3, which keeps the
 * description beside the reference (what the API server publishes). */
static json_t *use_ref(const struct generator *g, const char *type_name, bool object)
{
    if (g->v2)
        return ref_to(g, type_name);
    json_t *s = json_pack("{s:[o]}", "allOf", ref_to(g, type_name));
    if (object)
        json_object_set_new(s, "default", json_object());
    return s;
}

/* The schema of one value of field (an element, for lists). */
static json_t *value_schema(struct generator *g, const struct objects_field *f, int depth)
{
    switch (f->type) {
    case OBJECTS_FIELD_STRING:
        return json_pack("{s:s}", "type", "string");
    case OBJECTS_FIELD_BOOL:
        return json_pack("{s:s}", "type", "boolean");
    case OBJECTS_FIELD_INT32:
        return json_pack("{s:s, s:s}", "type", "integer", "format", "int32");
    case OBJECTS_FIELD_INT64:
        return json_pack("{s:s, s:s}", "type", "integer", "format", "int64");
    case OBJECTS_FIELD_NUMBER:
        return json_pack("{s:s, s:s}", "type", "number", "format", "double");
    case OBJECTS_FIELD_QUANTITY:
        return use_ref(g, QUANTITY_TYPE, false);
    case OBJECTS_FIELD_INT_OR_STRING:
        return use_ref(g, INT_OR_STRING_TYPE, false);
    case OBJECTS_FIELD_OBJECT: {
        const struct objects_field *end = objects_schema_table_end(f->fields);
        if (end->type_name == NULL)
            return table_schema(g, f->fields, depth + 1);
        if (json_object_get(g->definitions, end->type_name) == NULL) {
            json_object_set_new(g->definitions, end->type_name, json_object()); /* placeholder: no cycles */
            json_object_set_new(g->definitions, end->type_name, table_schema(g, f->fields, depth + 1));
        }
        return use_ref(g, end->type_name, true);
    }
    case OBJECTS_FIELD_STRING_MAP:
        return json_pack("{s:s, s:{s:s, s:s}}", "type", "object", "additionalProperties", "type", "string",
                         "default", "");
    case OBJECTS_FIELD_QUANTITY_MAP:
        return json_pack("{s:s, s:o}", "type", "object", "additionalProperties", ref_to(g, QUANTITY_TYPE));
    case OBJECTS_FIELD_ANY:
        break;
    }
    return json_pack("{s:s, s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields", 1);
}

static json_t *field_schema(struct generator *g, const struct objects_field *f, int depth)
{
    json_t *s = value_schema(g, f, depth);
    if (f->list) {
        s = json_pack("{s:s, s:o}", "type", "array", "items", s);
        const char *key = api_patch_merge_key(f->name);
        if (key != NULL) {
            json_object_set_new(s, "x-kubernetes-patch-merge-key", json_string(key));
            json_object_set_new(s, "x-kubernetes-patch-strategy", json_string("merge"));
        }
    }
    if (f->description != NULL && f->description[0] != '\0') {
        if (g->v2 && json_object_get(s, "$ref") != NULL) /* Swagger 2.0 ignores siblings of $ref */
            s = json_pack("{s:[o]}", "allOf", s);
        json_object_set_new(s, "description", json_string(f->description));
    }
    return s;
}

static json_t *table_schema(struct generator *g, const struct objects_field *fields, int depth)
{
    json_t *properties = json_object(), *required = json_array();
    if (depth < MAX_SCHEMA_DEPTH)
        for (const struct objects_field *f = fields; f->name != NULL; f++) {
            json_object_set_new(properties, f->name, field_schema(g, f, depth));
            if (f->required)
                json_array_append_new(required, json_string(f->name));
        }
    json_t *s = json_pack("{s:s, s:o}", "type", "object", "properties", properties);
    if (json_array_size(required) > 0)
        json_object_set(s, "required", required);
    json_decref(required);
    const struct objects_field *end = objects_schema_table_end(fields);
    if (end->description != NULL && end->description[0] != '\0')
        json_object_set_new(s, "description", json_string(end->description));
    return s;
}

json_t *api_openapi_definitions(const char *group, const char *version, bool v2)
{
    struct generator g = {json_object(), v2};
    define_scalar_types(&g);
    size_t count = 0;
    const struct objects_kind *kinds = objects_kinds(&count);
    for (size_t i = 0; i < count; i++) {
        const struct objects_kind *k = &kinds[i];
        if ((group != NULL && strcmp(k->group, group) != 0) ||
            (version != NULL && strcmp(k->version, version) != 0))
            continue;
        struct objects_field kind_field = {
            .name = k->resource, .type = OBJECTS_FIELD_OBJECT, .fields = k->schema};
        json_decref(value_schema(&g, &kind_field, 0));
        const char *type_name = objects_schema_table_end(k->schema)->type_name;
        json_t *schema = json_object_get(g.definitions, type_name);
        if (schema != NULL)
            json_object_set_new(
                schema, "x-kubernetes-group-version-kind",
                json_pack("[{s:s, s:s, s:s}]", "group", k->group, "kind", k->kind, "version", k->version));
    }
    return g.definitions;
}
