/* JSON and YAML encoding; see encode.h. YAML goes through libyaml's emitter (block style), choosing for each
 * string a style that reads back as a string under the same YAML 1.1 rules the decoder applies. */
#include "objects/encode.h"
#include "objects/scalar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

int objects_encode_json(const json_t *object, bool pretty, char **ret, husk_error *err)
{
    char *text = json_dumps(object, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENCODE_ANY);
    if (text == NULL)
        return husk_error_set(err, ENOMEM, "encoding JSON: out of memory");
    *ret = text;
    return 0;
}

struct buffer {
    char *data;
    size_t len;
    size_t cap;
};

static int buffer_write(void *data, unsigned char *bytes, size_t size)
{
    struct buffer *b = data;
    if (b->len + size + 1 > b->cap) {
        size_t cap = (b->len + size + 1) * 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, size);
    b->len += size;
    b->data[b->len] = '\0';
    return 1;
}

static int emit_scalar(yaml_emitter_t *emitter, const char *text, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t event;
    if (!yaml_scalar_event_initialize(&event, NULL, (yaml_char_t *)YAML_STR_TAG, (yaml_char_t *)text,
                                      (int)len, 1, 1, style))
        return -1;
    return yaml_emitter_emit(emitter, &event) ? 0 : -1;
}

/* A string that would read back as something else ("true", "1", "null", "", "<<") is double-quoted. */
static int emit_string(yaml_emitter_t *emitter, const char *text, size_t len)
{
    yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
    if (len == 0 || objects_scalar_classify(text, len) != OBJECTS_SCALAR_STRING ||
        (len == 2 && memcmp(text, "<<", 2) == 0))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    else if (memchr(text, '\n', len) != NULL)
        style = YAML_LITERAL_SCALAR_STYLE;
    return emit_scalar(emitter, text, len, style);
}

static int emit_number(yaml_emitter_t *emitter, const json_t *value)
{
    char buf[64];
    if (json_is_integer(value)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    } else {
        double d = json_real_value(value);
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(buf, sizeof buf, "%.*g", digits, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        if (strpbrk(buf, ".eEn") == NULL) /* keep it a float: "3" would read back as an int */
            strcat(buf, ".0");
    }
    return emit_scalar(emitter, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
}

static int emit_value(yaml_emitter_t *emitter, const json_t *value)
{
    yaml_event_t event;
    const char *key;
    json_t *child;
    size_t i;
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        if (!yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_ANY_MAPPING_STYLE) ||
            !yaml_emitter_emit(emitter, &event))
            return -1;
        json_object_foreach((json_t *)value, key, child)
        {
            if (emit_string(emitter, key, strlen(key)) < 0 || emit_value(emitter, child) < 0)
                return -1;
        }
        return yaml_mapping_end_event_initialize(&event) && yaml_emitter_emit(emitter, &event) ? 0 : -1;
    case JSON_ARRAY:
        if (!yaml_sequence_start_event_initialize(&event, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(emitter, &event))
            return -1;
        json_array_foreach(value, i, child)
        {
            if (emit_value(emitter, child) < 0)
                return -1;
        }
        return yaml_sequence_end_event_initialize(&event) && yaml_emitter_emit(emitter, &event) ? 0 : -1;
    case JSON_STRING:
        return emit_string(emitter, json_string_value(value), json_string_length(value));
    case JSON_INTEGER:
    case JSON_REAL:
        return emit_number(emitter, value);
    case JSON_TRUE:
        return emit_scalar(emitter, "true", 4, YAML_PLAIN_SCALAR_STYLE);
    case JSON_FALSE:
        return emit_scalar(emitter, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    case JSON_NULL:
        return emit_scalar(emitter, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    }
    return -1;
}

static int emit_document(yaml_emitter_t *emitter, const json_t *object)
{
    yaml_event_t event;
    if (!yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(emitter, &event))
        return -1;
    if (!yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(emitter, &event))
        return -1;
    if (emit_value(emitter, object) < 0)
        return -1;
    if (!yaml_document_end_event_initialize(&event, 1) || !yaml_emitter_emit(emitter, &event))
        return -1;
    if (!yaml_stream_end_event_initialize(&event) || !yaml_emitter_emit(emitter, &event))
        return -1;
    return yaml_emitter_flush(emitter) ? 0 : -1;
}

int objects_encode_yaml(const json_t *object, char **ret, size_t *ret_len, husk_error *err)
{
    yaml_emitter_t emitter;
    struct buffer out = {0};
    if (!yaml_emitter_initialize(&emitter))
        return husk_error_set(err, ENOMEM, "encoding YAML: out of memory");
    yaml_emitter_set_output(&emitter, buffer_write, &out);
    yaml_emitter_set_unicode(&emitter, 1);
    yaml_emitter_set_width(&emitter, -1);
    int rc = emit_document(&emitter, object);
    const char *problem = emitter.problem;
    yaml_emitter_delete(&emitter);
    if (rc < 0 || out.data == NULL) {
        free(out.data);
        return husk_error_set(err, 0, "encoding YAML: %s", problem != NULL ? problem : "out of memory");
    }
    *ret = out.data;
    if (ret_len != NULL)
        *ret_len = out.len;
    return 0;
}
