/* Unit tests for registry configuration and authentication (src/image/registries.c, auth.c, registry.c):
 * registries.yaml mirrors and configs, WWW-Authenticate challenges, Docker config.json credentials and
 * which hosts count as loopback (plain HTTP). */
#include "harness.h"
#include "image/auth.h"
#include "image/registries.h"
#include "image/registry.h"

#include <stdlib.h>

TEST(image_registries_parses_mirrors_and_configs)
{
    const char *yaml = "mirrors:\n"
                       "  docker.io:\n"
                       "    endpoint:\n"
                       "      - \"http://127.0.0.1:5000/\"\n"
                       "      - https://mirror.example\n"
                       "  \"*\":\n"
                       "    endpoint: [\"http://fallback:1\"]\n"
                       "configs:\n"
                       "  \"mirror.example\":\n"
                       "    tls:\n"
                       "      insecure_skip_verify: true\n"
                       "    auth:\n"
                       "      username: u\n"
                       "      password: p\n";
    struct image_registries r;
    husk_error err = {0};
    CHECK_INT_EQ(image_registries_parse(yaml, strlen(yaml), "test.yaml", &r, &err), 0);
    char *const *eps = image_registries_mirrors(&r, "docker.io");
    CHECK(eps != NULL);
    CHECK_STR_EQ(eps[0], "http://127.0.0.1:5000");
    CHECK_STR_EQ(eps[1], "https://mirror.example");
    CHECK(eps[2] == NULL);
    CHECK_STR_EQ(image_registries_mirrors(&r, "quay.io")[0], "http://fallback:1");
    const struct image_registry_host *h = image_registries_host(&r, "mirror.example");
    CHECK(h != NULL && h->insecure_skip_verify);
    CHECK_STR_EQ(h->auth.username, "u");
    CHECK_STR_EQ(h->auth.password, "p");
    CHECK(image_registries_host(&r, "other") == NULL);
    image_registries_free(&r);
}

TEST(image_registries_rejects_bad_files)
{
    struct image_registries r;
    husk_error err = {0};
    const char *bad[] = {"mirrors: [1, 2]", "mirrors:\n  docker.io:\n    endpoint: x\n",
                         "mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]\n", "mirrors: {a: [}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(image_registries_parse(bad[i], strlen(bad[i]), "r.yaml", &r, &err), -1);
        CHECK_STR_CONTAINS(err.message, "r.yaml");
    }
    CHECK_INT_EQ(image_registries_load("/nonexistent/registries.yaml", &r, &err), -1);
    CHECK_STR_CONTAINS(err.message, "/nonexistent/registries.yaml");
}

TEST(image_auth_parses_bearer_and_basic_challenges)
{
    struct image_auth_challenge c;
    husk_error err = {0};
    CHECK_INT_EQ(image_auth_parse_challenge(
                     "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                     "scope=\"repository:library/busybox:pull,push\"",
                     &c, &err),
                 0);
    CHECK_STR_EQ(c.scheme, "Bearer");
    CHECK_STR_EQ(c.realm, "https://auth.docker.io/token");
    CHECK_STR_EQ(c.service, "registry.docker.io");
    CHECK_STR_EQ(c.scope, "repository:library/busybox:pull,push");
    image_auth_challenge_free(&c);
    CHECK_INT_EQ(image_auth_parse_challenge("Basic realm=\"Registry \\\"x\\\"\"", &c, &err), 0);
    CHECK_STR_EQ(c.scheme, "Basic");
    CHECK_STR_EQ(c.realm, "Registry \"x\"");
    image_auth_challenge_free(&c);
    CHECK_INT_EQ(image_auth_parse_challenge("Bearer realm=https://r/t, service=s", &c, &err), 0);
    CHECK_STR_EQ(c.realm, "https://r/t");
    CHECK_STR_EQ(c.service, "s");
    image_auth_challenge_free(&c);
    CHECK_INT_EQ(image_auth_parse_challenge("Bearer service=\"x\"", &c, &err), -1);
    CHECK_STR_CONTAINS(err.message, "realm");
    CHECK_INT_EQ(image_auth_parse_challenge("", &c, &err), -1);
    CHECK_INT_EQ(image_auth_parse_challenge("Bearer =x", &c, &err), -1);
}

TEST(image_auth_reads_docker_config_json)
{
    char path[] = "/tmp/husk-auth-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    /* dXNlcjpwYTpzcw== is base64("user:pa:ss"); docker.io is stored under its legacy index URL. */
    const char *json = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
                       "\"localhost:5000\":{\"identitytoken\":\"tok\"}}}";
    CHECK(write(fd, json, strlen(json)) == (ssize_t)strlen(json));
    close(fd);
    struct image_registry_credentials c = {0};
    husk_error err = {0};
    CHECK_INT_EQ(image_auth_from_docker_config(path, "docker.io", &c, &err), 1);
    CHECK_STR_EQ(c.username, "user");
    CHECK_STR_EQ(c.password, "pa:ss");
    image_credentials_free(&c);
    CHECK_INT_EQ(image_auth_from_docker_config(path, "localhost:5000", &c, &err), 1);
    CHECK_STR_EQ(c.token, "tok");
    image_credentials_free(&c);
    CHECK_INT_EQ(image_auth_from_docker_config(path, "quay.io", &c, &err), 0);
    setenv("DOCKER_CONFIG", "/nonexistent", 1);
    CHECK_INT_EQ(image_auth_from_docker_config(NULL, "docker.io", &c, &err), 0); /* missing default: fine */
    CHECK_INT_EQ(image_auth_from_docker_config("/nonexistent/config.json", "docker.io", &c, &err), -1);
    unlink(path);
}

TEST(image_registry_loopback_hosts_use_plain_http)
{
    CHECK(registry_host_is_loopback("localhost"));
    CHECK(registry_host_is_loopback("localhost:5000"));
    CHECK(registry_host_is_loopback("127.0.0.1:5000"));
    CHECK(registry_host_is_loopback("127.1.2.3"));
    CHECK(registry_host_is_loopback("[::1]:5000"));
    CHECK(!registry_host_is_loopback("127.0.0.1.nip.io"));
    CHECK(!registry_host_is_loopback("localhost.example"));
    CHECK(!registry_host_is_loopback("10.0.0.1:5000"));
    CHECK(!registry_host_is_loopback("docker.io"));
}
