/* Unit tests for merge, strategic merge and JSON patches (src/api/patch.c). */
#include "api/patch.h"
#include "harness.h"

TEST(merge_patch_follows_rfc7386)
{
    json_t *target = json_loads("{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"},\"l\":[1,2]}", 0, NULL);
    json_t *patch =
        json_loads("{\"a\":\"z\",\"c\":{\"f\":null},\"l\":[3],\"n\":{\"x\":null,\"y\":1}}", 0, NULL);
    json_t *result = api_merge_patch(target, patch);
    json_t *want = json_loads("{\"a\":\"z\",\"c\":{\"d\":\"e\"},\"l\":[3],\"n\":{\"y\":1}}", 0, NULL);
    CHECK(json_equal(result, want));
    CHECK_STR_EQ(json_string_value(json_object_get(target, "a")), "b");
    json_decref(result);
    json_decref(want);
    json_decref(patch);
    json_decref(target);
}

TEST(json_patch_applies_operations_in_order)
{
    json_t *target = json_loads("{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"list\":[1,2,3]}", 0, NULL);
    json_t *ops = json_loads("[{\"op\":\"add\",\"path\":\"/metadata/labels/b~1c\",\"value\":\"2\"},"
                             "{\"op\":\"replace\",\"path\":\"/metadata/labels/a\",\"value\":\"9\"},"
                             "{\"op\":\"remove\",\"path\":\"/list/0\"},"
                             "{\"op\":\"add\",\"path\":\"/list/-\",\"value\":4},"
                             "{\"op\":\"test\",\"path\":\"/list/0\",\"value\":2}]",
                             0, NULL);
    json_t *doc = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_json_patch(target, ops, &doc, &err), 0);
    json_t *want =
        json_loads("{\"metadata\":{\"labels\":{\"a\":\"9\",\"b/c\":\"2\"}},\"list\":[2,3,4]}", 0, NULL);
    CHECK(json_equal(doc, want));
    json_decref(doc);
    json_decref(want);
    json_decref(ops);
    ops = json_loads("[{\"op\":\"remove\",\"path\":\"/nope/x\"}]", 0, NULL);
    CHECK_INT_EQ(api_json_patch(target, ops, &doc, &err), -1);
    CHECK_STR_CONTAINS(err.message, "JSON patch operation 0");
    json_decref(ops);
    json_decref(target);
}

TEST(strategic_merge_patch_merges_containers_by_name)
{
    json_t *target =
        json_loads("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x:1\",\"imagePullPolicy\":"
                   "\"IfNotPresent\"},{\"name\":\"b\",\"image\":\"y\"}],\"tolerations\":[{\"key\":\"k\"}]}}",
                   0, NULL);
    json_t *patch =
        json_loads("{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
                   "\"containers\":[{\"name\":\"a\",\"image\":\"x:2\"},{\"name\":\"b\",\"$patch\":"
                   "\"delete\"},{\"name\":\"c\",\"image\":\"z\"}],\"tolerations\":[]}}",
                   0, NULL);
    json_t *result = api_strategic_merge_patch(target, patch);
    json_t *want =
        json_loads("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x:2\",\"imagePullPolicy\":"
                   "\"IfNotPresent\"},{\"name\":\"c\",\"image\":\"z\"}],\"tolerations\":[]}}",
                   0, NULL);
    CHECK(json_equal(result, want));
    json_decref(result);
    json_decref(want);
    json_decref(patch);
    json_decref(target);
}

TEST(strategic_merge_patch_replace_directive)
{
    json_t *target = json_loads("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}", 0, NULL);
    json_t *patch = json_loads("{\"metadata\":{\"labels\":{\"$patch\":\"replace\",\"c\":\"3\"}}}", 0, NULL);
    json_t *result = api_strategic_merge_patch(target, patch);
    json_t *want = json_loads("{\"metadata\":{\"labels\":{\"c\":\"3\"}}}", 0, NULL);
    CHECK(json_equal(result, want));
    json_decref(result);
    json_decref(want);
    json_decref(patch);
    json_decref(target);
}
