/* See prune.h. Free-form fields (ANY) and maps are kept whole; lists of structs are pruned per element. */
#include "api/prune.h"

#include <string.h>

static void prune(json_t *value, const struct objects_field *fields, int depth);

static void prune_field(json_t *value, const struct objects_field *f, int depth)
{
    if (f->type != OBJECTS_FIELD_OBJECT || f->fields == NULL)
        return;
    if (f->list) {
        json_t *item;
        size_t i;
        json_array_foreach(value, i, item)
        {
            prune(item, f->fields, depth + 1);
        }
    } else {
        prune(value, f->fields, depth + 1);
    }
}

static void prune(json_t *value, const struct objects_field *fields, int depth)
{
    /* Decoded objects are at most OBJECTS_MAX_DEPTH deep; the bound keeps a recursive schema finite too. */
    if (!json_is_object(value) || depth > 100)
        return;
    const char *key;
    json_t *item;
    void *tmp;
    json_object_foreach_safe(value, tmp, key, item)
    {
        const struct objects_field *f = fields;
        while (f->name != NULL && strcmp(f->name, key) != 0)
            f++;
        if (f->name == NULL)
            json_object_del(value, key);
        else if (!(depth == 0 && strcmp(key, "status") == 0))
            prune_field(item, f, depth);
    }
}

void api_prune_unknown_fields(json_t *object, const struct objects_field *fields)
{
    if (fields != NULL)
        prune(object, fields, 0);
}
