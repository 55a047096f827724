/* Unit tests for image references (src/image/reference.c): Docker's normalisation and the
 * InvalidImageName errors. */
#include "harness.h"
#include "image/reference.h"

#define DIGEST "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct {
    const char *in, *out, *domain, *path;
} valid[] = {
    {"busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox"},
    {"busybox:1.36", "docker.io/library/busybox:1.36", "docker.io", "library/busybox"},
    {"library/busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox"},
    {"docker.io/busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox"},
    {"index.docker.io/library/nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
    {"bitnami/nginx:1.2", "docker.io/bitnami/nginx:1.2", "docker.io", "bitnami/nginx"},
    {"localhost/app", "localhost/app:latest", "localhost", "app"},
    {"localhost:5000/x", "localhost:5000/x:latest", "localhost:5000", "x"},
    {"127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000", "a/b/c"},
    {"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000", "app"},
    {"registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9", "registry.k8s.io", "pause"},
    {"busybox@" DIGEST, "docker.io/library/busybox@" DIGEST, "docker.io", "library/busybox"},
    {"busybox:1.36@" DIGEST, "docker.io/library/busybox:1.36@" DIGEST, "docker.io", "library/busybox"},
    {"a__b/c.d-e--f_g", "docker.io/a__b/c.d-e--f_g:latest", "docker.io", "a__b/c.d-e--f_g"},
    {"localhost:5000", "docker.io/library/localhost:5000", "docker.io", "library/localhost"},
};

TEST(image_reference_normalises_like_docker)
{
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        struct image_reference r;
        husk_error err = {0};
        if (image_reference_parse(valid[i].in, &r, &err) < 0)
            fprintf(stderr, "# %s: %s\n", valid[i].in, err.message);
        CHECK(image_reference_parse(valid[i].in, &r, &err) == 0);
        char *s = image_reference_string(&r);
        CHECK_STR_EQ(s, valid[i].out);
        CHECK_STR_EQ(r.domain, valid[i].domain);
        CHECK_STR_EQ(r.path, valid[i].path);
        free(s);
        image_reference_free(&r);
    }
}

TEST(image_reference_digest_only_has_no_tag)
{
    struct image_reference r;
    husk_error err = {0};
    CHECK(image_reference_parse("busybox@" DIGEST, &r, &err) == 0);
    CHECK(r.tag == NULL);
    CHECK_STR_EQ(r.digest, DIGEST);
    char *repo = image_reference_repository(&r);
    CHECK_STR_EQ(repo, "docker.io/library/busybox");
    free(repo);
    image_reference_free(&r);
}

static const struct {
    const char *in, *why;
} invalid[] = {
    {"", "empty"},
    {"Busybox", "lowercase"},
    {"docker.io/Library/busybox", "lowercase"},
    {"busybox:", "invalid tag"},
    {"busybox:-x", "invalid tag"},
    {"busybox@sha256:abc", "invalid digest"},
    {"busybox@md5:e3b0c44298fc1c149afbf4c8996fb924", "invalid digest"},
    {"bus//box", "invalid repository name"},
    {"-busybox", "invalid repository name"},
    {"busybox.", "invalid repository name"},
    {"a b", "white space"},
    {"local-.host:5000/x", "invalid registry host"},
    {"localhost:50x0/x", "invalid registry host"},
    {":tag", "empty"},
    {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "64 hexadecimal"},
};

TEST(image_reference_rejects_invalid_names_with_reason)
{
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        struct image_reference r;
        husk_error err = {0};
        CHECK_INT_EQ(image_reference_parse(invalid[i].in, &r, &err), -1);
        CHECK_STR_CONTAINS(err.message, "InvalidImageName");
        CHECK_STR_CONTAINS(err.message, invalid[i].why);
    }
}

TEST(image_reference_rejects_overlong_names)
{
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    struct image_reference r;
    husk_error err = {0};
    CHECK_INT_EQ(image_reference_parse(name, &r, &err), -1);
    CHECK_STR_CONTAINS(err.message, "255");
}
