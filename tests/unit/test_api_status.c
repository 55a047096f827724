/* Unit tests for the Status objects of API errors (src/api/status.c): the exact upstream wording. */
#include "api/status.h"
#include "harness.h"

static const char *field(const json_t *st, const char *name)
{
    return json_string_value(json_object_get(st, name));
}

TEST(status_not_found_and_already_exists)
{
    json_t *st = api_status_not_found("pods", "x");
    CHECK_STR_EQ(field(st, "kind"), "Status");
    CHECK_STR_EQ(field(st, "status"), "Failure");
    CHECK_STR_EQ(field(st, "reason"), "NotFound");
    CHECK_STR_EQ(field(st, "message"), "pods \"x\" not found");
    CHECK_INT_EQ(json_integer_value(json_object_get(st, "code")), 404);
    CHECK_STR_EQ(field(json_object_get(st, "details"), "kind"), "pods");
    json_decref(st);
    st = api_status_already_exists("deployments.apps", "web");
    CHECK_STR_EQ(field(st, "message"), "deployments.apps \"web\" already exists");
    CHECK_STR_EQ(field(json_object_get(st, "details"), "group"), "apps");
    CHECK_STR_EQ(field(json_object_get(st, "details"), "kind"), "deployments");
    CHECK_INT_EQ(json_integer_value(json_object_get(st, "code")), 409);
    json_decref(st);
}

TEST(status_conflict_wording)
{
    json_t *st = api_status_conflict("pods", "x");
    CHECK_STR_EQ(field(st, "reason"), "Conflict");
    CHECK_STR_EQ(field(st, "message"),
                 "Operation cannot be fulfilled on pods \"x\": the object has been modified; "
                 "please apply your changes to the latest version and try again");
    json_decref(st);
}

TEST(status_invalid_has_causes_and_aggregates_messages)
{
    struct objects_problems problems = {0};
    objects_problems_add(&problems, OBJECTS_SEVERITY_ERROR, "spec.containers[0].image", 0, 0,
                         "spec.containers[0].image: Required value");
    objects_problems_add(&problems, OBJECTS_SEVERITY_WARNING, "spec.foo", 0, 0, "unknown field \"spec.foo\"");
    json_t *st = api_status_invalid("Pod", "", "x", &problems);
    CHECK_STR_EQ(field(st, "message"), "Pod \"x\" is invalid: spec.containers[0].image: Required value");
    CHECK_INT_EQ(json_integer_value(json_object_get(st, "code")), 422);
    json_t *cause = json_array_get(json_object_get(json_object_get(st, "details"), "causes"), 0);
    CHECK_STR_EQ(field(cause, "reason"), "FieldValueRequired");
    CHECK_STR_EQ(field(cause, "message"), "Required value");
    CHECK_STR_EQ(field(cause, "field"), "spec.containers[0].image");
    CHECK_INT_EQ(json_array_size(json_object_get(json_object_get(st, "details"), "causes")), 1);
    json_decref(st);
    objects_problems_add(&problems, OBJECTS_SEVERITY_ERROR, "spec.restartPolicy", 0, 0,
                         "spec.restartPolicy: Unsupported value: \"x\"");
    st = api_status_invalid("Deployment", "apps", "d", &problems);
    CHECK_STR_EQ(field(st, "message"),
                 "Deployment.apps \"d\" is invalid: [spec.containers[0].image: Required value, "
                 "spec.restartPolicy: Unsupported value: \"x\"]");
    json_decref(st);
    objects_problems_free(&problems);
}
