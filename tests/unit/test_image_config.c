/* Unit tests for image configs and the Kubernetes command rules (src/image/config.c), manifests and
 * platform choice (manifest.c), pull policies (image.c). */
#include "harness.h"
#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const char config_json[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/docker-entrypoint.sh\"],"
    "\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"Env\":[\"PATH=/usr/bin\"],\"WorkingDir\":\"/srv\","
    "\"User\":\"101:101\",\"StopSignal\":\"SIGQUIT\",\"ExposedPorts\":{\"80/tcp\":{}}},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}";

static char *joined(char **argv)
{
    static char buf[512];
    buf[0] = '\0';
    for (char **p = argv; p && *p; p++) {
        strcat(buf, p == argv ? "" : "|");
        strcat(buf, *p);
    }
    return buf;
}

TEST(image_config_parses_runtime_fields)
{
    struct image_config c;
    husk_error err = {0};
    CHECK_INT_EQ(image_config_parse(config_json, strlen(config_json), &c, &err), 0);
    CHECK_STR_EQ(joined(c.entrypoint), "/docker-entrypoint.sh");
    CHECK_STR_EQ(joined(c.cmd), "nginx|-g|daemon off;");
    CHECK_STR_EQ(joined(c.env), "PATH=/usr/bin");
    CHECK_STR_EQ(c.working_dir, "/srv");
    CHECK_STR_EQ(c.user, "101:101");
    CHECK_STR_EQ(c.stop_signal, "SIGQUIT");
    CHECK_STR_EQ(joined(c.exposed_ports), "80/tcp");
    CHECK_INT_EQ(c.n_diff_ids, 1);
    image_config_free(&c);
}

TEST(image_config_rejects_bad_input)
{
    struct image_config c;
    husk_error err = {0};
    const char *bad[] = {"[]", "{\"config\":{\"Cmd\":\"sh\"}}", "{\"config\":{\"Env\":[1]}}",
                         "{\"rootfs\":{\"diff_ids\":[\"md5:x\"]}}", "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(image_config_parse(bad[i], strlen(bad[i]), &c, &err), -1);
    CHECK_STR_CONTAINS(err.message, "image config");
}

/* https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes */
TEST(image_container_command_follows_kubernetes_rules)
{
    struct image_config c;
    husk_error err = {0};
    CHECK_INT_EQ(image_config_parse(config_json, strlen(config_json), &c, &err), 0);
    char *command[] = {"/bin/sh", "-c", NULL}, *args[] = {"echo hi", NULL}, *empty[] = {NULL};
    char **argv;
    CHECK_INT_EQ(image_container_command(&c, NULL, NULL, &argv, &err), 0);
    CHECK_STR_EQ(joined(argv), "/docker-entrypoint.sh|nginx|-g|daemon off;");
    image_strv_free(argv);
    CHECK_INT_EQ(image_container_command(&c, command, NULL, &argv, &err), 0); /* image CMD ignored */
    CHECK_STR_EQ(joined(argv), "/bin/sh|-c");
    image_strv_free(argv);
    CHECK_INT_EQ(image_container_command(&c, NULL, args, &argv, &err), 0); /* ENTRYPOINT kept */
    CHECK_STR_EQ(joined(argv), "/docker-entrypoint.sh|echo hi");
    image_strv_free(argv);
    CHECK_INT_EQ(image_container_command(&c, command, args, &argv, &err), 0);
    CHECK_STR_EQ(joined(argv), "/bin/sh|-c|echo hi");
    image_strv_free(argv);
    CHECK_INT_EQ(image_container_command(&c, empty, empty, &argv, &err), 0); /* empty = unset */
    CHECK_STR_EQ(joined(argv), "/docker-entrypoint.sh|nginx|-g|daemon off;");
    image_strv_free(argv);
    struct image_config none = {0};
    CHECK_INT_EQ(image_container_command(&none, NULL, NULL, &argv, &err), -1);
    CHECK_STR_CONTAINS(err.message, "no command specified");
    image_config_free(&c);
}

TEST(image_manifest_parses_oci_and_docker)
{
    const char *m =
        "{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MEDIA_DOCKER_MANIFEST "\",\"config\":{\"digest\":"
        "\"" D1 "\",\"size\":10},\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" D2 "\",\"size\":20}]}";
    struct image_manifest man;
    husk_error err = {0};
    CHECK_INT_EQ(image_manifest_parse(m, strlen(m), &man, &err), 0);
    CHECK(!man.is_index);
    CHECK_STR_EQ(man.config.digest, D1);
    CHECK_INT_EQ(man.n_entries, 1);
    CHECK_INT_EQ(man.entries[0].size, 20);
    image_manifest_free(&man);
    const char *v1 = "{\"schemaVersion\":1,\"fsLayers\":[]}";
    CHECK_INT_EQ(image_manifest_parse(v1, strlen(v1), &man, &err), -1);
    CHECK_STR_CONTAINS(err.message, "schema 1");
    const char *bad = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}";
    CHECK_INT_EQ(image_manifest_parse(bad, strlen(bad), &man, &err), -1);
    CHECK_STR_CONTAINS(err.message, "invalid descriptor digest");
}

TEST(image_index_chooses_host_platform)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"mediaType\":\"" IMAGE_MEDIA_OCI_INDEX "\",\"manifests\":["
             "{\"digest\":\"" D1
             "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x-no\"}},"
             "{\"digest\":\"" D2 "\",\"size\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}]}",
             image_host_architecture());
    struct image_manifest idx;
    husk_error err = {0};
    CHECK_INT_EQ(image_manifest_parse(text, strlen(text), &idx, &err), 0);
    CHECK(idx.is_index);
    const struct image_descriptor *d;
    CHECK_INT_EQ(image_index_choose(&idx, &d, &err), 0);
    CHECK_STR_EQ(d->digest, D2);
    idx.entries[1].architecture[0] = 'X';
    CHECK_INT_EQ(image_index_choose(&idx, &d, &err), -1);
    CHECK_STR_CONTAINS(err.message, "no image for linux/");
    image_manifest_free(&idx);
}

TEST(image_pull_policy_defaults_and_reasons)
{
    CHECK_INT_EQ(image_default_pull_policy("busybox"), IMAGE_PULL_ALWAYS);
    CHECK_INT_EQ(image_default_pull_policy("busybox:latest"), IMAGE_PULL_ALWAYS);
    CHECK_INT_EQ(image_default_pull_policy("busybox:1.36"), IMAGE_PULL_IF_NOT_PRESENT);
    CHECK_INT_EQ(image_default_pull_policy("busybox@" D1), IMAGE_PULL_IF_NOT_PRESENT);
    enum image_pull_policy p;
    CHECK_INT_EQ(image_pull_policy_parse("Never", &p), 0);
    CHECK_INT_EQ(p, IMAGE_PULL_NEVER);
    CHECK_INT_EQ(image_pull_policy_parse("never", &p), -1);
    CHECK_STR_EQ(image_failure_reason(IMAGE_ERR_INVALID_NAME), "InvalidImageName");
    CHECK_STR_EQ(image_failure_reason(IMAGE_ERR_NEVER_PULL), "ErrImageNeverPull");
    CHECK_STR_EQ(image_failure_reason(IMAGE_ERR_PULL), "ErrImagePull");
}
