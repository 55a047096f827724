/* Unit tests for label and field selectors (src/api/selector.c). */
#include "api/selector.h"
#include "harness.h"

static json_t *labelled(void)
{
    return json_loads("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
                      "\"labels\":{\"app\":\"nginx\",\"tier\":\"front\"}},"
                      "\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}",
                      0, NULL);
}

static int label_match(const char *text)
{
    api_selector *sel = NULL;
    husk_error err = {0};
    if (api_label_selector_parse(text, &sel, &err) < 0)
        return -1;
    json_t *obj = labelled();
    int r = api_label_selector_matches(sel, obj);
    json_decref(obj);
    api_selector_free(sel);
    return r;
}

TEST(label_selector_operators)
{
    CHECK_INT_EQ(label_match(""), 1);
    CHECK_INT_EQ(label_match("app=nginx"), 1);
    CHECK_INT_EQ(label_match("app==nginx"), 1);
    CHECK_INT_EQ(label_match("app=apache"), 0);
    CHECK_INT_EQ(label_match("app!=apache"), 1);
    CHECK_INT_EQ(label_match("missing!=x"), 1);
    CHECK_INT_EQ(label_match("app in (apache, nginx)"), 1);
    CHECK_INT_EQ(label_match("app notin (apache,nginx)"), 0);
    CHECK_INT_EQ(label_match("tier"), 1);
    CHECK_INT_EQ(label_match("!tier"), 0);
    CHECK_INT_EQ(label_match("!missing"), 1);
    CHECK_INT_EQ(label_match("app=nginx,tier=back"), 0);
    CHECK_INT_EQ(label_match(" app = nginx , tier "), 1);
}

TEST(label_selector_rejects_garbage_with_a_reason)
{
    api_selector *sel = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_label_selector_parse("app in nginx", &sel, &err), -1);
    CHECK_STR_CONTAINS(err.message, "expected: '('");
    CHECK_INT_EQ(api_label_selector_parse("=x", &sel, &err), -1);
    CHECK_STR_CONTAINS(err.message, "unable to parse requirement");
    CHECK_INT_EQ(api_label_selector_parse("a b", &sel, &err), -1);
}

TEST(field_selector_matches_supported_fields)
{
    json_t *obj = labelled();
    api_selector *sel = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(api_field_selector_parse("status.phase=Running,spec.nodeName!=n2", "pods", &sel, &err), 0);
    CHECK(api_field_selector_matches(sel, obj));
    api_selector_free(sel);
    CHECK_INT_EQ(api_field_selector_parse("metadata.name==other", "pods", &sel, &err), 0);
    CHECK(!api_field_selector_matches(sel, obj));
    api_selector_free(sel);
    CHECK_INT_EQ(api_field_selector_parse("spec.bogus=x", "pods", &sel, &err), -1);
    CHECK_STR_EQ(err.message, "field label not supported: spec.bogus");
    CHECK_INT_EQ(api_field_selector_parse("status.phase=Running", "namespaces", &sel, &err), -1);
    json_decref(obj);
}
