/* objects_decode: the input limits, JSON or YAML, and the flattening of `kind: List`; see decode.h. JSON is
 * recognised as Kubernetes' YAMLOrJSONDecoder does, by a leading '{', and read with jansson (it keeps the
 * exact numbers); everything else goes through the YAML reader. */
#include "objects/decode.h"
#include "objects/yaml_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int objects_document_list_append(struct objects_document_list *list, json_t *object,
                                 struct objects_positions *positions, int line)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 4;
        struct objects_document *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL) {
            json_decref(object);
            objects_positions_free(positions);
            return -1;
        }
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = (struct objects_document){object, *positions, line};
    *positions = (struct objects_positions){0};
    return 0;
}

void objects_document_list_free(struct objects_document_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++) {
        json_decref(list->items[i].object);
        objects_positions_free(&list->items[i].positions);
    }
    free(list->items);
    *list = (struct objects_document_list){0};
}

static int json_depth_exceeds(const json_t *value, int depth)
{
    if (depth > OBJECTS_MAX_DEPTH)
        return 1;
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, child)
        {
            if (json_depth_exceeds(child, depth + 1))
                return 1;
        }
    } else if (json_is_array(value)) {
        json_array_foreach(value, i, child)
        {
            if (json_depth_exceeds(child, depth + 1))
                return 1;
        }
    }
    return 0;
}

static int read_json_stream(const char *data, size_t len, const char *source_name,
                            struct objects_document_list *list, husk_error *err)
{
    size_t offset = 0;
    while (offset < len) {
        while (offset < len && strchr(" \t\r\n", data[offset]) != NULL && data[offset] != '\0')
            offset++;
        if (offset >= len)
            break;
        json_error_t jerr;
        json_t *object = json_loadb(data + offset, len - offset, JSON_DISABLE_EOF_CHECK, &jerr);
        if (object == NULL)
            return husk_error_set(err, 0, "%s: invalid JSON at byte %zu: %s", source_name,
                                  offset + (size_t)(jerr.position > 0 ? jerr.position : 0), jerr.text);
        if (!json_is_object(object)) {
            json_decref(object);
            return husk_error_set(err, 0, "%s: a manifest must be a JSON object (a Kubernetes object)",
                                  source_name);
        }
        /* jansson's own limit is 2048 levels; objects are held to the same depth as YAML input. */
        if (json_depth_exceeds(object, 1)) {
            json_decref(object);
            return husk_error_set(err, 0, "%s: nesting is deeper than %d levels", source_name,
                                  OBJECTS_MAX_DEPTH);
        }
        offset += (size_t)jerr.position;
        struct objects_positions none = {0};
        if (objects_document_list_append(list, object, &none, 1) < 0)
            return husk_error_set(err, ENOMEM, "%s: out of memory", source_name);
    }
    return 0;
}

static int is_list(const json_t *object)
{
    const char *kind = json_string_value(json_object_get(object, "kind"));
    size_t n = kind != NULL ? strlen(kind) : 0;
    return n >= 4 && strcmp(kind + n - 4, "List") == 0 && json_is_array(json_object_get(object, "items"));
}

/* The positions of items[index] re-rooted at the item: "items[2].metadata.name" becomes "metadata.name". */
static int item_positions(const struct objects_positions *from, size_t index, struct objects_positions *ret)
{
    char prefix[64];
    int n = snprintf(prefix, sizeof prefix, "items[%zu]", index);
    for (size_t i = 0; i < from->count; i++) {
        const char *path = from->items[i].path;
        if (strncmp(path, prefix, (size_t)n) != 0 || (path[n] != '\0' && path[n] != '.' && path[n] != '['))
            continue;
        const char *rest = path + n + (path[n] == '.');
        if (objects_positions_add(ret, rest, from->items[i].line, from->items[i].column) < 0)
            return -1;
    }
    objects_positions_finish(ret);
    return 0;
}

/* kubectl treats a List (and any *List with items) as its items, each an object of its own. */
static int flatten_lists(struct objects_document_list *in, struct objects_document_list *out,
                         const char *source, husk_error *err)
{
    for (size_t d = 0; d < in->count; d++) {
        struct objects_document *doc = &in->items[d];
        if (!is_list(doc->object)) {
            if (objects_document_list_append(out, json_incref(doc->object), &doc->positions, doc->line) < 0)
                return husk_error_set(err, ENOMEM, "%s: out of memory", source);
            continue;
        }
        json_t *items = json_object_get(doc->object, "items");
        struct objects_document_list nested = {0};
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *item = json_array_get(items, i);
            if (!json_is_object(item)) {
                objects_document_list_free(&nested);
                return husk_error_set(err, 0, "%s: items[%zu] of the List is not an object", source, i);
            }
            struct objects_positions positions = {0};
            int line = 0, column = 0;
            char path[64];
            snprintf(path, sizeof path, "items[%zu]", i);
            objects_positions_lookup(&doc->positions, path, &line, &column);
            if (item_positions(&doc->positions, i, &positions) < 0 ||
                objects_document_list_append(&nested, json_incref(item), &positions,
                                             line > 0 ? line : doc->line) < 0) {
                objects_positions_free(&positions);
                objects_document_list_free(&nested);
                return husk_error_set(err, ENOMEM, "%s: out of memory", source);
            }
        }
        int rc = flatten_lists(&nested, out, source, err);
        objects_document_list_free(&nested);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int objects_decode(const char *data, size_t len, const char *source_name, struct objects_document_list *ret,
                   husk_error *err)
{
    if (len > OBJECTS_MAX_INPUT_BYTES)
        return husk_error_set(err, 0,
                              "%s: the input is %zu bytes, more than the limit of %d bytes (3 MiB, the API "
                              "server's request limit)",
                              source_name, len, OBJECTS_MAX_INPUT_BYTES);
    size_t first = 0;
    while (first < len &&
           (data[first] == ' ' || data[first] == '\t' || data[first] == '\r' || data[first] == '\n'))
        first++;
    struct objects_document_list raw = {0};
    int rc = first < len && data[first] == '{' ? read_json_stream(data, len, source_name, &raw, err)
                                               : objects_yaml_read_stream(data, len, source_name, &raw, err);
    struct objects_document_list flat = {0};
    if (rc == 0)
        rc = flatten_lists(&raw, &flat, source_name, err);
    objects_document_list_free(&raw);
    if (rc < 0) {
        objects_document_list_free(&flat);
        return -1;
    }
    *ret = flat;
    return 0;
}

int objects_decode_object(const char *data, size_t len, const char *source_name, json_t **ret_object,
                          husk_error *err)
{
    struct objects_document_list list = {0};
    if (objects_decode(data, len, source_name, &list, err) < 0)
        return -1;
    if (list.count != 1) {
        size_t count = list.count;
        objects_document_list_free(&list);
        return husk_error_set(err, 0, "%s: expected one object, found %zu", source_name, count);
    }
    *ret_object = json_incref(list.items[0].object);
    objects_document_list_free(&list);
    return 0;
}
