/* Unit tests for the protobuf request decoder (src/api/protobuf.c). */
#include "api/protobuf.h"
#include "harness.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* A ConfigMap "cm1" with data {a: b} and immutable: true, as kubectl's typed client encodes it. */
static const unsigned char config_map[] = {
    'k',  '8',  's',  0, /* envelope magic */
    0x0a, 0x0f, 0x0a, 0x02, 'v', '1',  0x12, 0x09, 'C', 'o', 'n', 'f', 'i', 'g', 'M', 'a', 'p', /* typeMeta */
    0x12, 0x11,                                   /* raw, 17 bytes */
    0x0a, 0x05, 0x0a, 0x03, 'c', 'm',  '1',       /* metadata.name */
    0x12, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, 'b', /* data entry */
    0x20, 0x01,                                   /* immutable */
};

TEST(protobuf_config_map_decodes_to_json)
{
    json_t *obj = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_protobuf_decode(config_map, sizeof config_map, &obj, &err), 0);
    json_t *want = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm1\"},"
                              "\"data\":{\"a\":\"b\"},\"immutable\":true}",
                              0, NULL);
    CHECK(json_equal(obj, want));
    json_decref(want);
    json_decref(obj);
}

TEST(protobuf_rejects_truncated_and_unsupported_bodies)
{
    json_t *obj = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_protobuf_decode(config_map, sizeof config_map - 5, &obj, &err), -1);
    CHECK_INT_EQ(api_protobuf_decode((const unsigned char *)"{}", 2, &obj, &err), -1);
    CHECK_STR_CONTAINS(err.message, "envelope");
    unsigned char pod[sizeof config_map];
    memcpy(pod, config_map, sizeof pod);
    memcpy(pod + 12, "Pod\x00\x00\x00\x00\x00\x00", 9);
    pod[11] = 3;
    CHECK_INT_EQ(api_protobuf_decode(pod, sizeof pod, &obj, &err), -1);
}

/* A small protobuf writer for the tests below: fields appended to a buffer, messages built inside out. */
struct pb_buf {
    unsigned char data[512];
    size_t len;
};

static void pb_varint(struct pb_buf *b, uint64_t v)
{
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        b->data[b->len++] = byte | (v ? 0x80 : 0);
    } while (v != 0 && b->len < sizeof b->data);
}

static void pb_bytes(struct pb_buf *b, unsigned field, const void *data, size_t len)
{
    pb_varint(b, (uint64_t)field << 3 | 2);
    pb_varint(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void pb_string(struct pb_buf *b, unsigned field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static void pb_message(struct pb_buf *b, unsigned field, const struct pb_buf *m)
{
    pb_bytes(b, field, m->data, m->len);
}

static void pb_int(struct pb_buf *b, unsigned field, uint64_t v)
{
    pb_varint(b, (uint64_t)field << 3);
    pb_varint(b, v);
}

/* What `kubectl create job j --image=busybox -- echo hi` sends, less the empty messages Go also writes. */
TEST(protobuf_job_with_repeated_containers_and_zero_pointer_ints)
{
    struct pb_buf container = {0}, pod_spec = {0}, template = {0}, tmeta = {0}, spec = {0}, meta = {0},
                  raw = {0}, type_meta = {0}, body = {0};
    pb_string(&container, 1, "j");
    pb_string(&container, 2, "busybox");
    pb_string(&container, 3, "echo");
    pb_string(&container, 3, "hi");
    pb_message(&pod_spec, 2, &container);
    pb_string(&pod_spec, 3, "Never");
    pb_message(&tmeta, 8, &(struct pb_buf){0}); /* the zero creationTimestamp */
    pb_message(&template, 1, &tmeta);
    pb_message(&template, 2, &pod_spec);
    pb_int(&spec, 7, 0); /* backoffLimit: 0 is a value */
    pb_message(&spec, 6, &template);
    pb_string(&meta, 1, "j");
    pb_message(&raw, 1, &meta);
    pb_message(&raw, 2, &spec);
    pb_string(&type_meta, 1, "batch/v1");
    pb_string(&type_meta, 2, "Job");
    memcpy(body.data, "k8s", 4);
    body.len = 4;
    pb_message(&body, 1, &type_meta);
    pb_message(&body, 2, &raw);
    json_t *obj = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_protobuf_decode(body.data, body.len, &obj, &err), 0);
    json_t *want = json_loads(
        "{\"apiVersion\":\"batch/"
        "v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"j\"},\"spec\":{\"backoffLimit\":0,"
        "\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":[{\"name\":\"j\","
        "\"image\":\"busybox\",\"command\":[\"echo\",\"hi\"]}],\"restartPolicy\":\"Never\"}}}}",
        0, NULL);
    CHECK(json_equal(obj, want));
    json_decref(want);
    json_decref(obj);
}

/* Fields not read from protobuf may be there with their zero value (Go writes them all), not with more. */
TEST(protobuf_unknown_fields_pass_when_zero_and_are_refused_otherwise)
{
    struct pb_buf mount = {0}, container = {0}, pod_spec = {0}, template = {0}, spec = {0}, raw = {0},
                  type_meta = {0}, body = {0};
    pb_string(&container, 1, "c");
    pb_int(&container, 16, 0);                      /* stdin: false */
    pb_message(&container, 8, &(struct pb_buf){0}); /* resources: {} */
    pb_message(&pod_spec, 2, &container);
    pb_message(&template, 2, &pod_spec);
    pb_message(&spec, 6, &template);
    pb_message(&raw, 2, &spec);
    pb_string(&type_meta, 1, "batch/v1");
    pb_string(&type_meta, 2, "Job");
    memcpy(body.data, "k8s", 4);
    body.len = 4;
    pb_message(&body, 1, &type_meta);
    pb_message(&body, 2, &raw);
    json_t *obj = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_protobuf_decode(body.data, body.len, &obj, &err), 0);
    json_decref(obj);
    /* The same with a volumeMount: refused, not dropped. */
    pb_string(&mount, 1, "data");
    pb_message(&container, 9, &mount);
    pod_spec.len = template.len = spec.len = raw.len = 0;
    pb_message(&pod_spec, 2, &container);
    pb_message(&template, 2, &pod_spec);
    pb_message(&spec, 6, &template);
    pb_message(&raw, 2, &spec);
    body.len = 4;
    pb_message(&body, 1, &type_meta);
    pb_message(&body, 2, &raw);
    obj = NULL;
    CHECK_INT_EQ(api_protobuf_decode(body.data, body.len, &obj, &err), -1);
    CHECK(obj == NULL);
    CHECK_INT_EQ(err.code, ENOTSUP);
    CHECK_STR_CONTAINS(err.message, "send it as JSON");
}
