/* Environment, $(VAR) expansion and the downward API for containers (src/node/env.c). */
#include "harness.h"
#include "node/env.h"

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);
    if (v == NULL) {
        fprintf(stderr, "# bad test JSON: %s\n", error.text);
        _exit(1);
    }
    return v;
}

static const char *get(const char *const *env, const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (size_t i = 0; env[i] != NULL; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            found = env[i] + n + 1;
    return found;
}

TEST(expand_replaces_known_and_keeps_unknown_and_escapes)
{
    struct husk_arena a = {0};
    const char *env[] = {"A=1", "B=two", NULL};
    CHECK_STR_EQ(node_expand("x$(A)y$(B)z", env, &a), "x1ytwoz");
    CHECK_STR_EQ(node_expand("$(MISSING) and $$(A)", env, &a), "$(MISSING) and $(A)");
    CHECK_STR_EQ(node_expand("unterminated $(A", env, &a), "unterminated $(A");
    CHECK_STR_EQ(node_expand("cost $5", env, &a), "cost $5");
    husk_arena_free(&a);
}

static const char *POD =
    "{\"metadata\":{\"name\":\"web\",\"namespace\":\"prod\",\"uid\":\"u-1\","
    "\"labels\":{\"app\":\"shop\"},\"annotations\":{\"team\":\"blue\"}},"
    "\"spec\":{\"serviceAccountName\":\"default\",\"containers\":[{\"name\":\"c\","
    "\"resources\":{\"limits\":{\"memory\":\"64Mi\",\"cpu\":\"250m\"}},"
    "\"env\":["
    "{\"name\":\"GREETING\",\"value\":\"hi\"},"
    "{\"name\":\"MSG\",\"value\":\"$(GREETING) there, $(PATH)\"},"
    "{\"name\":\"POD\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
    "{\"name\":\"NS\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.namespace\"}}},"
    "{\"name\":\"APP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.labels['app']\"}}},"
    "{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}},"
    "{\"name\":\"MEM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.memory\","
    "\"divisor\":\"1Mi\"}}},"
    "{\"name\":\"CPU\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.cpu\"}}},"
    "{\"name\":\"CPUM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.cpu\","
    "\"divisor\":\"1m\"}}},"
    "{\"name\":\"REQMEM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"requests.memory\"}}}"
    "]}]}}";

TEST(env_image_then_spec_with_downward_api)
{
    json_t *pod = parse(POD);
    json_t *container = json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
    char *image_env[] = {"PATH=/bin", "GREETING=image", NULL};
    struct node_pod_facts facts = {.node_name = "node-1", .node_allocatable_memory = 1 << 30};
    struct husk_arena a = {0};
    husk_error err = {0};
    const char **env = NULL;
    CHECK_INT_EQ(node_container_env(pod, container, image_env, &facts, &a, &env, &err), 0);
    CHECK_STR_EQ(get(env, "GREETING"), "hi");
    /* The image's PATH does not take part in expansion; the container's own GREETING does. */
    CHECK_STR_EQ(get(env, "MSG"), "hi there, $(PATH)");
    CHECK_STR_EQ(get(env, "PATH"), "/bin");
    CHECK_STR_EQ(get(env, "POD"), "web");
    CHECK_STR_EQ(get(env, "NS"), "prod");
    CHECK_STR_EQ(get(env, "APP"), "shop");
    CHECK_STR_EQ(get(env, "NODE"), "node-1");
    CHECK_STR_EQ(get(env, "MEM"), "64");
    CHECK_STR_EQ(get(env, "CPU"), "1"); /* 250m rounded up to whole CPUs */
    CHECK_STR_EQ(get(env, "CPUM"), "250");
    /* A request the container does not set reads as the limit (API defaulting) or the node's allocatable. */
    CHECK(get(env, "REQMEM") != NULL);
    husk_arena_free(&a);
    json_decref(pod);
}

static int lookup_one(void *data, const char *resource, const char *ns, const char *name, json_t **ret,
                      husk_error *err)
{
    (void)data;
    (void)err;
    *ret = NULL;
    if (strcmp(resource, "configmaps") == 0 && strcmp(ns, "prod") == 0 && strcmp(name, "settings") == 0)
        *ret = parse("{\"data\":{\"level\":\"debug\",\"color\":\"red\"}}");
    if (strcmp(resource, "secrets") == 0 && strcmp(name, "creds") == 0)
        *ret = parse("{\"data\":{\"password\":\"czNjcmV0\"}}"); /* "s3cret" */
    return 0;
}

static int env_of(const char *container_json, const char ***env, husk_error *err, struct husk_arena *a)
{
    json_t *pod = parse("{\"metadata\":{\"name\":\"p\",\"namespace\":\"prod\"},\"spec\":{}}");
    json_t *container = parse(container_json);
    struct node_pod_facts facts = {.lookup = lookup_one};
    return node_container_env(pod, container, NULL, &facts, a, env, err);
}

TEST(env_from_configmap_and_secret_keys_with_prefix)
{
    struct husk_arena a = {0};
    husk_error err = {0};
    const char **env = NULL;
    CHECK_INT_EQ(
        env_of("{\"name\":\"c\",\"envFrom\":[{\"prefix\":\"CFG_\",\"configMapRef\":{\"name\":\"settings\"}}],"
               "\"env\":[{\"name\":\"PW\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"creds\",\"key\":"
               "\"password\"}}}]}",
               &env, &err, &a),
        0);
    CHECK_STR_EQ(get(env, "CFG_level"), "debug");
    CHECK_STR_EQ(get(env, "CFG_color"), "red");
    CHECK_STR_EQ(get(env, "PW"), "s3cret");
    husk_arena_free(&a);
}

TEST(secret_values_decode_as_the_api_server_took_them)
{
    struct husk_arena a = {0};
    CHECK_STR_EQ(node_secret_value("czNjcmV0", &a), "s3cret");
    CHECK_STR_EQ(node_secret_value("aGVsbG8=", &a), "hello");
    CHECK_STR_EQ(node_secret_value("", &a), "");
    /* Go's decoder, which accepted the Secret, ignores the unused bits of the last character. */
    CHECK_STR_EQ(node_secret_value("YR==", &a), "a");
    CHECK(node_secret_value("aGVsbG8", &a) == NULL);
    CHECK(node_secret_value("not base64!", &a) == NULL);
    husk_arena_free(&a);
}

TEST(env_missing_configmap_and_key_are_errors_in_kubelet_words)
{
    struct husk_arena a = {0};
    husk_error err = {0};
    const char **env = NULL;
    CHECK_INT_EQ(
        env_of("{\"name\":\"c\",\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
               "\"nope\",\"key\":\"k\"}}}]}",
               &env, &err, &a),
        -1);
    CHECK_STR_EQ(err.message, "configmap \"nope\" not found");
    CHECK_INT_EQ(
        env_of("{\"name\":\"c\",\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
               "\"settings\",\"key\":\"missing\"}}}]}",
               &env, &err, &a),
        -1);
    CHECK_STR_EQ(err.message, "couldn't find key missing in ConfigMap prod/settings");
    CHECK_INT_EQ(
        env_of("{\"name\":\"c\",\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
               "\"nope\",\"key\":\"k\",\"optional\":true}}}]}",
               &env, &err, &a),
        0);
    CHECK(get(env, "X") == NULL);
    husk_arena_free(&a);
}
