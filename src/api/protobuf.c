/* See protobuf.h. A table-driven reader of the protobuf wire format (varints and length-delimited fields)
 * over the field numbers of k8s.io/api/core/v1/generated.proto and apimachinery's meta/v1 and runtime. */
#include "api/protobuf.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum pb_kind {
    PB_STRING,
    PB_BYTES,
    PB_BOOL,
    PB_INT64,
    PB_MESSAGE,
    PB_STRING_MAP,
    PB_BYTES_MAP,
    PB_STRINGS,
    PB_TIME
};

struct pb_field {
    const char *name;              /* NULL ends a table */
    const struct pb_field *fields; /* PB_MESSAGE */
    unsigned number;
    enum pb_kind kind;
};

struct reader {
    const unsigned char *p, *end;
};

static const struct pb_field object_meta[] = {
    {"name", NULL, 1, PB_STRING},
    {"generateName", NULL, 2, PB_STRING},
    {"namespace", NULL, 3, PB_STRING},
    {"uid", NULL, 5, PB_STRING},
    {"resourceVersion", NULL, 6, PB_STRING},
    {"generation", NULL, 7, PB_INT64},
    {"creationTimestamp", NULL, 8, PB_TIME},
    {"labels", NULL, 11, PB_STRING_MAP},
    {"annotations", NULL, 12, PB_STRING_MAP},
    {"finalizers", NULL, 14, PB_STRINGS},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field namespace_spec[] = {{"finalizers", NULL, 1, PB_STRINGS},
                                                 {NULL, NULL, 0, PB_STRING}};
static const struct pb_field namespace_status[] = {{"phase", NULL, 1, PB_STRING}, {NULL, NULL, 0, PB_STRING}};
static const struct pb_field namespace_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE},
    {"spec", namespace_spec, 2, PB_MESSAGE},
    {"status", namespace_status, 3, PB_MESSAGE},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field config_map_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE},
    {"data", NULL, 2, PB_STRING_MAP},
    {"binaryData", NULL, 3, PB_BYTES_MAP},
    {"immutable", NULL, 4, PB_BOOL},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field secret_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"data", NULL, 2, PB_BYTES_MAP}, {"type", NULL, 3, PB_STRING},
    {"stringData", NULL, 4, PB_STRING_MAP},   {"immutable", NULL, 5, PB_BOOL}, {NULL, NULL, 0, PB_STRING},
};

static int read_varint(struct reader *r, uint64_t *ret)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *ret = v;
            return 0;
        }
    }
    return -1;
}

/* Reads a field's key and, for length-delimited fields, its payload as a sub-reader. */
static int read_field(struct reader *r, unsigned *ret_number, unsigned *ret_wire, uint64_t *ret_varint,
                      struct reader *ret_payload)
{
    uint64_t key, len;
    if (read_varint(r, &key) < 0)
        return -1;
    *ret_number = (unsigned)(key >> 3);
    *ret_wire = (unsigned)(key & 7);
    switch (*ret_wire) {
    case 0:
        return read_varint(r, ret_varint);
    case 1:
    case 5: {
        size_t n = *ret_wire == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return -1;
        r->p += n;
        return 0;
    }
    case 2:
        if (read_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
            return -1;
        *ret_payload = (struct reader){r->p, r->p + len};
        r->p += len;
        return 0;
    default:
        return -1;
    }
}

static json_t *base64(const struct reader *b)
{
    size_t n = (size_t)(b->end - b->p);
    unsigned char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock(out, b->p, (int)n);
    json_t *s = json_string((const char *)out);
    free(out);
    return s;
}

/* A map entry message: key = 1, value = 2. */
static int read_map_entry(struct reader *e, bool bytes, json_t *map)
{
    struct reader key = {0}, value = {0}, payload;
    unsigned number, wire;
    uint64_t v;
    while (e->p < e->end) {
        if (read_field(e, &number, &wire, &v, &payload) < 0)
            return -1;
        if (wire == 2 && number == 1)
            key = payload;
        else if (wire == 2 && number == 2)
            value = payload;
    }
    if (key.p == NULL)
        return -1;
    json_t *jv = bytes ? base64(&value) : json_stringn((const char *)value.p, (size_t)(value.end - value.p));
    char *k = strndup((const char *)key.p, (size_t)(key.end - key.p));
    if (k != NULL && jv != NULL)
        json_object_set(map, k, jv);
    json_decref(jv);
    free(k);
    return 0;
}

static json_t *read_time(struct reader *m)
{
    unsigned number, wire;
    uint64_t v, seconds = 0;
    struct reader payload;
    while (m->p < m->end)
        if (read_field(m, &number, &wire, &v, &payload) == 0 && number == 1 && wire == 0)
            seconds = v;
    time_t t = (time_t)seconds;
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static int decode_message(struct reader *r, const struct pb_field *fields, json_t *out, int depth);

static int decode_value(const struct pb_field *f, unsigned wire, uint64_t v, struct reader *payload,
                        json_t *out, int depth)
{
    json_t *cur = json_object_get(out, f->name);
    /* Generated Go marshallers write every string and integer, empty or not; JSON omits the empty ones. */
    if ((f->kind == PB_STRING && wire == 2 && payload->p == payload->end) ||
        (f->kind == PB_INT64 && wire == 0 && v == 0))
        return 0;
    switch (f->kind) {
    case PB_STRING:
        return wire == 2 ? json_object_set_new(
                               out, f->name,
                               json_stringn((const char *)payload->p, (size_t)(payload->end - payload->p)))
                         : -1;
    case PB_BYTES:
        return wire == 2 ? json_object_set_new(out, f->name, base64(payload)) : -1;
    case PB_BOOL:
        return wire == 0 ? json_object_set_new(out, f->name, json_boolean(v != 0)) : -1;
    case PB_INT64:
        return wire == 0 ? json_object_set_new(out, f->name, json_integer((json_int_t)v)) : -1;
    case PB_TIME:
        return wire == 2 ? json_object_set_new(out, f->name, read_time(payload)) : -1;
    case PB_STRINGS:
        if (wire != 2)
            return -1;
        if (!json_is_array(cur))
            json_object_set_new(out, f->name, cur = json_array());
        return json_array_append_new(
            cur, json_stringn((const char *)payload->p, (size_t)(payload->end - payload->p)));
    case PB_STRING_MAP:
    case PB_BYTES_MAP:
        if (wire != 2)
            return -1;
        if (!json_is_object(cur))
            json_object_set_new(out, f->name, cur = json_object());
        return read_map_entry(payload, f->kind == PB_BYTES_MAP, cur);
    case PB_MESSAGE:
        if (wire != 2)
            return -1;
        if (!json_is_object(cur))
            json_object_set_new(out, f->name, cur = json_object());
        return decode_message(payload, f->fields, cur, depth + 1);
    }
    return -1;
}

/* Fields not in the table are skipped, as a protobuf reader skips unknown fields. */
static int decode_message(struct reader *r, const struct pb_field *fields, json_t *out, int depth)
{
    if (depth > 8)
        return -1;
    while (r->p < r->end) {
        unsigned number, wire;
        uint64_t v = 0;
        struct reader payload = {0};
        if (read_field(r, &number, &wire, &v, &payload) < 0)
            return -1;
        for (const struct pb_field *f = fields; f->name != NULL; f++)
            if (f->number == number && decode_value(f, wire, v, &payload, out, depth) < 0)
                return -1;
    }
    return 0;
}

static char *payload_string(const struct reader *p)
{
    return strndup((const char *)p->p, (size_t)(p->end - p->p));
}

/* runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2. */
static int read_envelope(struct reader *r, char **ret_api_version, char **ret_kind, struct reader *ret_raw)
{
    unsigned number, wire;
    uint64_t v;
    struct reader payload;
    while (r->p < r->end) {
        if (read_field(r, &number, &wire, &v, &payload) < 0)
            return -1;
        if (number == 2 && wire == 2) {
            *ret_raw = payload;
        } else if (number == 1 && wire == 2) {
            while (payload.p < payload.end) {
                struct reader s;
                if (read_field(&payload, &number, &wire, &v, &s) < 0)
                    return -1;
                if (number == 1 && wire == 2 && *ret_api_version == NULL)
                    *ret_api_version = payload_string(&s);
                else if (number == 2 && wire == 2 && *ret_kind == NULL)
                    *ret_kind = payload_string(&s);
            }
        }
    }
    return *ret_api_version != NULL && *ret_kind != NULL && ret_raw->p != NULL ? 0 : -1;
}

int api_protobuf_decode(const unsigned char *data, size_t len, json_t **ret_object, husk_error *err)
{
    if (len < 4 || memcmp(data, "k8s\0", 4) != 0)
        return husk_error_set(err, EINVAL, "the protobuf body does not start with the \"k8s\" envelope");
    struct reader r = {data + 4, data + len}, raw = {0};
    char *api_version = NULL, *kind = NULL;
    int rc = read_envelope(&r, &api_version, &kind, &raw);
    const struct pb_field *fields = NULL;
    if (rc == 0 && strcmp(api_version, "v1") == 0)
        fields = strcmp(kind, "Namespace") == 0   ? namespace_fields
                 : strcmp(kind, "ConfigMap") == 0 ? config_map_fields
                 : strcmp(kind, "Secret") == 0    ? secret_fields
                                                  : NULL;
    json_t *obj = NULL;
    if (rc < 0) {
        husk_error_set(err, EINVAL, "the protobuf envelope cannot be decoded");
    } else if (fields == NULL) {
        husk_error_set(err, ENOTSUP, "protobuf bodies of %s %s are not supported; send JSON", api_version,
                       kind);
        rc = -1;
    } else {
        obj = json_pack("{s:s, s:s}", "apiVersion", api_version, "kind", kind);
        if (decode_message(&raw, fields, obj, 0) < 0) {
            husk_error_set(err, EINVAL, "the protobuf %s cannot be decoded", kind);
            rc = -1;
        }
    }
    free(api_version);
    free(kind);
    if (rc < 0) {
        json_decref(obj);
        return -1;
    }
    *ret_object = obj;
    return 0;
}
