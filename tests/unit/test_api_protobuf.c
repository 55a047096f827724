/* Unit tests for the protobuf request decoder (src/api/protobuf.c). */
#include "api/protobuf.h"
#include "harness.h"

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
