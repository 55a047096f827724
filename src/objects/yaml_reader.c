/* libyaml events to jansson trees; see yaml_reader.h. The event API (not the document API) is used so that
 * aliases are counted before they are expanded: a billion-laughs document (CVE-2019-11253) is refused after
 * OBJECTS_MAX_ALIAS_NODES copied nodes, in bounded time and memory. */
#include "objects/yaml_reader.h"
#include "base/cleanup.h"
#include "objects/scalar.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
    char *name;
    json_t *value;
    size_t nodes;
};

struct reader {
    yaml_parser_t parser;
    const char *source;
    husk_error *err;
    struct objects_positions positions;
    struct anchor *anchors;
    size_t anchor_count;
    size_t alias_nodes;
    char *path; /* the field path of the node being read */
    size_t path_len;
    size_t path_cap;
};

static int reader_fail(struct reader *r, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reader_fail(struct reader *r, const yaml_mark_t *mark, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return husk_error_set(r->err, 0, "%s:%zu:%zu: %s", r->source, mark->line + 1, mark->column + 1, detail);
}

static int reader_next(struct reader *r, yaml_event_t *event)
{
    if (yaml_parser_parse(&r->parser, event))
        return 0;
    const yaml_mark_t *mark = &r->parser.problem_mark;
    return husk_error_set(r->err, 0, "%s:%zu:%zu: %s%s%s", r->source, mark->line + 1, mark->column + 1,
                          r->parser.problem ? r->parser.problem : "invalid YAML",
                          r->parser.context ? " " : "", r->parser.context ? r->parser.context : "");
}

/* Appends ".key" (or "key" at the root) or "[index]" to the path; returns the length to restore. */
static int path_push(struct reader *r, const char *key, size_t key_len, long index, size_t *ret_saved)
{
    size_t need = r->path_len + key_len + 32;
    if (need > r->path_cap) {
        size_t cap = need * 2;
        char *p = realloc(r->path, cap);
        if (p == NULL)
            return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
        r->path = p;
        r->path_cap = cap;
    }
    *ret_saved = r->path_len;
    if (key == NULL) {
        r->path_len += (size_t)snprintf(r->path + r->path_len, 32, "[%ld]", index);
        return 0;
    }
    if (r->path_len > 0)
        r->path[r->path_len++] = '.';
    memcpy(r->path + r->path_len, key, key_len);
    r->path_len += key_len;
    r->path[r->path_len] = '\0';
    return 0;
}

static void path_pop(struct reader *r, size_t saved)
{
    r->path_len = saved;
    r->path[saved] = '\0';
}

static int record_position(struct reader *r, const yaml_mark_t *mark)
{
    if (objects_positions_add(&r->positions, r->path, (int)mark->line + 1, (int)mark->column + 1) < 0)
        return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    return 0;
}

static int read_node(struct reader *r, yaml_event_t *event, int depth, json_t **ret, size_t *ret_nodes);

static int remember_anchor(struct reader *r, const yaml_char_t *name, json_t *value, size_t nodes)
{
    if (name == NULL)
        return 0;
    struct anchor *anchors = realloc(r->anchors, (r->anchor_count + 1) * sizeof *anchors);
    if (anchors == NULL)
        return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    r->anchors = anchors;
    /* A later anchor of the same name shadows the earlier one (YAML 1.1 §3.2.2.2). */
    struct anchor *anchor = &anchors[r->anchor_count];
    anchor->name = strdup((const char *)name);
    if (anchor->name == NULL)
        return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    anchor->value = json_incref(value);
    anchor->nodes = nodes;
    r->anchor_count++;
    return 0;
}

static int read_alias(struct reader *r, const yaml_event_t *event, json_t **ret, size_t *ret_nodes)
{
    const char *name = (const char *)event->data.alias.anchor;
    for (size_t i = r->anchor_count; i-- > 0;) {
        if (strcmp(r->anchors[i].name, name) != 0)
            continue;
        r->alias_nodes += r->anchors[i].nodes;
        if (r->alias_nodes > OBJECTS_MAX_ALIAS_NODES)
            return husk_error_set(
                r->err, 0,
                "%s:%zu:%zu: YAML aliases expand to more than %d nodes (a \"billion laughs\" "
                "document, CVE-2019-11253)",
                r->source, event->start_mark.line + 1, event->start_mark.column + 1, OBJECTS_MAX_ALIAS_NODES);
        /* A copy, so that defaulting one use of an anchor does not change the others. */
        *ret = json_deep_copy(r->anchors[i].value);
        *ret_nodes = r->anchors[i].nodes;
        return *ret == NULL ? husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source) : 0;
    }
    return reader_fail(r, &event->start_mark, "unknown anchor '%s' referenced", name);
}

static int read_scalar(struct reader *r, const yaml_event_t *event, json_t **ret)
{
    const char *text = (const char *)event->data.scalar.value;
    size_t len = event->data.scalar.length;
    const char *tag = (const char *)event->data.scalar.tag;
    bool plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    /* Quoted scalars, and scalars tagged !!str or !!binary, are strings whatever they look like. */
    if (!plain ||
        (tag != NULL && (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "tag:yaml.org,2002:binary") == 0)))
        *ret = json_stringn(text, len);
    else if (objects_scalar_classify(text, len) == OBJECTS_SCALAR_NONFINITE)
        return reader_fail(r, &event->start_mark, "the value %s has no JSON form", text);
    else
        *ret = objects_scalar_resolve(text, len);
    if (*ret == NULL)
        return reader_fail(r, &event->start_mark, "the value %s cannot be converted to JSON", text);
    return 0;
}

static int read_sequence(struct reader *r, int depth, json_t *array, size_t *nodes)
{
    for (long index = 0;; index++) {
        yaml_event_t event;
        if (reader_next(r, &event) < 0)
            return -1;
        if (event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            return 0;
        }
        size_t saved = 0, child_nodes = 0;
        json_t *child = NULL;
        int rc = path_push(r, NULL, 0, index, &saved);
        if (rc == 0)
            rc = record_position(r, &event.start_mark);
        if (rc == 0)
            rc = read_node(r, &event, depth + 1, &child, &child_nodes);
        yaml_event_delete(&event);
        path_pop(r, saved);
        if (rc < 0)
            return -1;
        *nodes += child_nodes;
        if (json_array_append_new(array, child) < 0)
            return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    }
}

/* `<<: *base` (or a list of them): keys of the merged mappings that the mapping does not set itself. merged
 * is the list of every `<<` value of the mapping; earlier ones win, as in YAML's merge key spec. */
static int merge_into(struct reader *r, json_t *object, json_t *merged, const yaml_mark_t *mark)
{
    if (json_is_array(merged)) {
        size_t i;
        json_t *item;
        json_array_foreach(merged, i, item)
        {
            if (merge_into(r, object, item, mark) < 0)
                return -1;
        }
        return 0;
    }
    if (!json_is_object(merged))
        return reader_fail(r, mark, "%s", "map merge requires a map or a sequence of maps");
    const char *key;
    json_t *value;
    json_object_foreach(merged, key, value)
    {
        if (json_object_get(object, key) == NULL && json_object_set(object, key, value) < 0)
            return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    }
    return 0;
}

static int read_entry(struct reader *r, int depth, json_t *object, json_t *merges, yaml_event_t *key_event,
                      size_t *nodes)
{
    if (key_event->type != YAML_SCALAR_EVENT)
        return reader_fail(r, &key_event->start_mark, "%s", "mapping keys must be scalars");
    const char *key = (const char *)key_event->data.scalar.value;
    size_t key_len = key_event->data.scalar.length;
    bool merge = key_event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(key, "<<") == 0;
    if (memchr(key, '\0', key_len) != NULL)
        return reader_fail(r, &key_event->start_mark, "%s", "mapping keys must not contain NUL");
    if (!merge && json_object_get(object, key) != NULL)
        return reader_fail(r, &key_event->start_mark, "key \"%s\" already set in map", key);
    size_t saved = 0, child_nodes = 0;
    json_t *child = NULL;
    if (path_push(r, key, key_len, 0, &saved) < 0)
        return -1;
    yaml_event_t value_event;
    int rc = record_position(r, &key_event->start_mark);
    if (rc == 0)
        rc = reader_next(r, &value_event);
    if (rc == 0) {
        rc = read_node(r, &value_event, depth + 1, &child, &child_nodes);
        yaml_event_delete(&value_event);
    }
    path_pop(r, saved);
    if (rc < 0)
        return -1;
    *nodes += child_nodes;
    if (merge) /* applied when the mapping ends, so that its own keys win wherever they are written */
        return json_array_append_new(merges, child) < 0
                   ? husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source)
                   : 0;
    return json_object_set_new(object, key, child) < 0
               ? husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source)
               : 0;
}

static int read_mapping(struct reader *r, int depth, json_t *object, size_t *nodes)
{
    json_t *merges = json_array();
    if (merges == NULL)
        return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    for (;;) {
        yaml_event_t key_event;
        if (reader_next(r, &key_event) < 0) {
            json_decref(merges);
            return -1;
        }
        if (key_event.type == YAML_MAPPING_END_EVENT) {
            int rc = json_array_size(merges) > 0 ? merge_into(r, object, merges, &key_event.start_mark) : 0;
            yaml_event_delete(&key_event);
            json_decref(merges);
            return rc;
        }
        int rc = read_entry(r, depth, object, merges, &key_event, nodes);
        yaml_event_delete(&key_event);
        if (rc < 0) {
            json_decref(merges);
            return -1;
        }
    }
}

static int read_node(struct reader *r, yaml_event_t *event, int depth, json_t **ret, size_t *ret_nodes)
{
    if (depth > OBJECTS_MAX_DEPTH)
        return husk_error_set(r->err, 0, "%s:%zu:%zu: nesting is deeper than %d levels", r->source,
                              event->start_mark.line + 1, event->start_mark.column + 1, OBJECTS_MAX_DEPTH);
    size_t nodes = 1;
    json_t *value = NULL;
    const yaml_char_t *anchor = NULL;
    int rc = 0;
    switch (event->type) {
    case YAML_ALIAS_EVENT:
        return read_alias(r, event, ret, ret_nodes);
    case YAML_SCALAR_EVENT:
        anchor = event->data.scalar.anchor;
        rc = read_scalar(r, event, &value);
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = event->data.sequence_start.anchor;
        value = json_array();
        rc = value == NULL ? husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source)
                           : read_sequence(r, depth, value, &nodes);
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = event->data.mapping_start.anchor;
        value = json_object();
        rc = value == NULL ? husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source)
                           : read_mapping(r, depth, value, &nodes);
        break;
    default:
        return reader_fail(r, &event->start_mark, "%s", "unexpected YAML event");
    }
    if (rc == 0)
        rc = remember_anchor(r, anchor, value, nodes);
    if (rc < 0) {
        json_decref(value);
        return -1;
    }
    *ret = value;
    *ret_nodes = nodes;
    return 0;
}

static void reader_reset_document(struct reader *r)
{
    for (size_t i = 0; i < r->anchor_count; i++) {
        free(r->anchors[i].name);
        json_decref(r->anchors[i].value);
    }
    free(r->anchors);
    r->anchors = NULL;
    r->anchor_count = 0;
    r->alias_nodes = 0;
    objects_positions_free(&r->positions);
    r->path_len = 0;
    if (r->path != NULL)
        r->path[0] = '\0';
}

static const char *json_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "a mapping";
    }
}

/* Reads one document's root node (its DOCUMENT_START already consumed) and appends it to list. */
static int read_document(struct reader *r, struct objects_document_list *list, const yaml_mark_t *start)
{
    yaml_event_t event;
    if (reader_next(r, &event) < 0)
        return -1;
    json_t *root = NULL;
    size_t nodes = 0;
    yaml_mark_t root_mark = event.start_mark;
    int rc = record_position(r, &root_mark);
    if (rc == 0)
        rc = read_node(r, &event, 1, &root, &nodes);
    yaml_event_delete(&event);
    if (rc < 0 || root == NULL)
        return -1;
    if (reader_next(r, &event) < 0) { /* DOCUMENT_END */
        json_decref(root);
        return -1;
    }
    yaml_event_delete(&event);
    if (json_is_null(root)) { /* an empty document, e.g. after a trailing `---`: kubectl skips it */
        json_decref(root);
        return 0;
    }
    if (!json_is_object(root)) {
        const char *type = json_type_name(root);
        json_decref(root);
        return reader_fail(r, &root_mark, "a manifest must be a mapping (a Kubernetes object), not %s", type);
    }
    objects_positions_finish(&r->positions);
    struct objects_positions positions = r->positions;
    r->positions = (struct objects_positions){0};
    if (objects_document_list_append(list, root, &positions, (int)start->line + 1) < 0)
        return husk_error_set(r->err, ENOMEM, "%s: out of memory", r->source);
    return 0;
}

int objects_yaml_read_stream(const char *data, size_t len, const char *source_name,
                             struct objects_document_list *list, husk_error *err)
{
    struct reader r = {.source = source_name, .err = err, .path = calloc(1, 256), .path_cap = 256};
    if (r.path == NULL || !yaml_parser_initialize(&r.parser)) {
        free(r.path);
        return husk_error_set(err, ENOMEM, "%s: out of memory", source_name);
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)data, len);
    int rc = 0;
    for (;;) {
        yaml_event_t event;
        if ((rc = reader_next(&r, &event)) < 0)
            break;
        yaml_event_type_t type = event.type;
        yaml_mark_t start = event.start_mark;
        yaml_event_delete(&event);
        if (type == YAML_STREAM_END_EVENT)
            break;
        if (type != YAML_DOCUMENT_START_EVENT)
            continue;
        rc = read_document(&r, list, &start);
        reader_reset_document(&r);
        if (rc < 0)
            break;
    }
    reader_reset_document(&r);
    free(r.path);
    yaml_parser_delete(&r.parser);
    return rc;
}
