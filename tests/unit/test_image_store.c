/* Unit tests for the content store (src/image/store*.c) and image_ensure's pull policies: blobs are
 * verified before they land, records survive a round trip, garbage collection keeps what is referenced,
 * and a missing image under policy Never gives ErrImageNeverPull. */
#include "harness.h"
#include "image/digest.h"
#include "image/files.h"
#include "image/image.h"
#include "image_tar.h"

#include <dirent.h>
#include <fcntl.h>

static char dir[256];

static struct image_store *open_store(void)
{
    snprintf(dir, sizeof dir, "/tmp/husk-store-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    struct image_store *s;
    husk_error err = {0};
    CHECK_INT_EQ(image_store_open(dir, &s, &err), 0);
    return s;
}

static void close_store(struct image_store *s)
{
    husk_error err = {0};
    image_store_close(s);
    image_remove_tree_at(AT_FDCWD, dir, &err);
}

static int count_entries(const char *sub)
{
    char p[512];
    snprintf(p, sizeof p, "%s/images/%s", dir, sub);
    DIR *d = opendir(p);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d)) != NULL;)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

TEST(image_digest_is_sha256_in_hex)
{
    char digest[IMAGE_DIGEST_STRING_SIZE];
    /* FIPS 180-2's examples. */
    image_digest_buffer("abc", 3, digest);
    CHECK_STR_EQ(digest, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    image_digest_buffer("", 0, digest);
    CHECK_STR_EQ(digest, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* Fed in pieces, as a blob streams in. */
    const char *text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    struct image_hasher *h = image_hasher_new();
    CHECK(h != NULL);
    for (const char *p = text; *p != '\0'; p += 7)
        image_hasher_update(h, p, strlen(p) < 7 ? strlen(p) : 7);
    image_hasher_final(h, digest);
    image_hasher_free(h);
    CHECK_STR_EQ(digest, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(image_store_blob_is_verified_before_it_lands)
{
    struct image_store *s = open_store();
    husk_error err = {0};
    char digest[IMAGE_DIGEST_STRING_SIZE], want[IMAGE_DIGEST_STRING_SIZE];
    image_digest_buffer("hello", 5, want);
    CHECK_INT_EQ(image_store_put_blob(s, "hello", 5, want, digest, &err), 0);
    CHECK_STR_EQ(digest, want);
    CHECK(image_store_has_blob(s, want));
    char *data;
    size_t len;
    CHECK_INT_EQ(image_store_read_blob(s, want, 100, &data, &len, &err), 0);
    CHECK_STR_EQ(data, "hello");
    free(data);
    char other[IMAGE_DIGEST_STRING_SIZE];
    image_digest_buffer("world", 5, other);
    CHECK_INT_EQ(image_store_put_blob(s, "hello", 5, other, NULL, &err), -1);
    CHECK_STR_CONTAINS(err.message, "digest mismatch");
    CHECK(!image_store_has_blob(s, other));
    CHECK_INT_EQ(count_entries("blobs/sha256"), 1); /* no temp file left behind */
    close_store(s);
}

TEST(image_store_detects_a_corrupted_blob)
{
    struct image_store *s = open_store();
    husk_error err = {0};
    char digest[IMAGE_DIGEST_STRING_SIZE];
    CHECK_INT_EQ(image_store_put_blob(s, "hello", 5, NULL, digest, &err), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/images/blobs/sha256/%s", dir, digest + 7);
    FILE *f = fopen(p, "w");
    fputs("HELLO", f);
    fclose(f);
    char *data;
    CHECK_INT_EQ(image_store_read_blob(s, digest, 100, &data, NULL, &err), -1);
    CHECK_STR_CONTAINS(err.message, "corrupt");
    close_store(s);
}

/* Stores a one-layer image named name; returns its record through the commit path used by pull/load. */
static void store_image(struct image_store *s, const char *name, const char *content)
{
    char tar[512];
    snprintf(tar, sizeof tar, "%s/layer.tar", dir);
    const struct tar_item items[] = {{TAR_FILE, "hello", content, 0}};
    CHECK(tar_write(tar, "gzip", items, 1) == 0);
    char *layer;
    size_t layer_len;
    husk_error err = {0};
    CHECK_INT_EQ(image_read_file_at(AT_FDCWD, tar, 1 << 20, &layer, &layer_len, &err), 0);
    char ldigest[IMAGE_DIGEST_STRING_SIZE], diff[IMAGE_DIGEST_STRING_SIZE], cdigest[IMAGE_DIGEST_STRING_SIZE];
    CHECK_INT_EQ(image_store_put_blob(s, layer, layer_len, NULL, ldigest, &err), 0);
    free(layer);
    struct image_layer_record l = {.size = (long long)layer_len};
    memcpy(l.digest, ldigest, sizeof ldigest);
    /* The diff ID is the digest of the same tar uncompressed (the writer is deterministic). */
    snprintf(tar, sizeof tar, "%s/plain.tar", dir);
    CHECK(tar_write(tar, "none", items, 1) == 0);
    CHECK_INT_EQ(image_digest_file_at(AT_FDCWD, tar, diff, NULL, &err), 0);
    memcpy(l.diff_id, diff, sizeof diff);
    CHECK_INT_EQ(image_store_ensure_layer(s, &l, &err), 0);
    char config[512];
    snprintf(config, sizeof config, "{\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"diff_ids\":[\"%s\"]}}",
             diff);
    CHECK_INT_EQ(image_store_put_blob(s, config, strlen(config), NULL, cdigest, &err), 0);
    struct image_descriptor cd = {.size = (long long)strlen(config)}, ld = {.size = (long long)layer_len};
    memcpy(cd.digest, cdigest, sizeof cdigest);
    memcpy(ld.digest, ldigest, sizeof ldigest);
    char *manifest = image_manifest_build(&cd, &ld, 1);
    char mdigest[IMAGE_DIGEST_STRING_SIZE];
    CHECK_INT_EQ(image_store_put_blob(s, manifest, strlen(manifest), NULL, mdigest, &err), 0);
    free(manifest);
    struct image_record r = {.name = (char *)name, .n_layers = 1, .layers = &l};
    memcpy(r.manifest_digest, mdigest, sizeof mdigest);
    memcpy(r.config_digest, cdigest, sizeof cdigest);
    memcpy(l.diff_id, diff, sizeof diff);
    CHECK_INT_EQ(image_store_put_record(s, &r, &err), 0);
}

TEST(image_store_records_round_trip_and_gc_keeps_referenced)
{
    struct image_store *s = open_store();
    husk_error err = {0};
    store_image(s, "docker.io/library/a:latest", "a");
    store_image(s, "docker.io/library/b:latest", "b");
    struct image *img;
    CHECK_INT_EQ(image_get(s, "a", &img, &err), 0);
    CHECK_STR_EQ(img->record.name, "docker.io/library/a:latest");
    CHECK_INT_EQ(img->n_layers, 1);
    CHECK_STR_EQ(img->config.cmd[0], "sh");
    char p[600];
    snprintf(p, sizeof p, "%s/hello", img->layer_dirs[0]);
    CHECK(access(p, F_OK) == 0);
    image_free(img);
    size_t removed = 99;
    CHECK_INT_EQ(image_store_gc(s, &removed, &err), 0);
    CHECK_INT_EQ(removed, 0);
    CHECK_INT_EQ(image_store_remove_record(s, "docker.io/library/a:latest", &err), 0);
    CHECK_INT_EQ(image_store_gc(s, &removed, &err), 0);
    CHECK_INT_EQ(removed, 4); /* a's manifest, config, layer blob and unpacked layer */
    CHECK_INT_EQ(image_get(s, "a", &img, &err), -1);
    CHECK_STR_CONTAINS(err.message, "not in the store");
    CHECK_INT_EQ(image_get(s, "b", &img, &err), 0);
    image_free(img);
    close_store(s);
}

TEST(image_get_reunpacks_a_missing_layer)
{
    struct image_store *s = open_store();
    husk_error err = {0};
    store_image(s, "docker.io/library/a:latest", "a");
    struct image *img;
    CHECK_INT_EQ(image_get(s, "a", &img, &err), 0);
    CHECK_INT_EQ(image_remove_tree_at(AT_FDCWD, img->layer_dirs[0], &err), 0);
    image_free(img);
    CHECK_INT_EQ(image_get(s, "a", &img, &err), 0);
    CHECK(access(img->layer_dirs[0], F_OK) == 0);
    image_free(img);
    close_store(s);
}

TEST(image_ensure_applies_pull_policies)
{
    struct image_store *s = open_store();
    husk_error err = {0};
    struct image *img = NULL;
    CHECK_INT_EQ(image_ensure(s, "Bad:Name", IMAGE_PULL_IF_NOT_PRESENT, NULL, &img, &err),
                 IMAGE_ERR_INVALID_NAME);
    CHECK_STR_CONTAINS(err.message, "InvalidImageName");
    CHECK_INT_EQ(image_ensure(s, "busybox", IMAGE_PULL_NEVER, NULL, &img, &err), IMAGE_ERR_NEVER_PULL);
    CHECK_STR_CONTAINS(err.message, "ErrImageNeverPull");
    store_image(s, "docker.io/library/busybox:latest", "x");
    CHECK_INT_EQ(image_ensure(s, "busybox", IMAGE_PULL_NEVER, NULL, &img, &err), 0);
    image_free(img);
    CHECK_INT_EQ(image_ensure(s, "busybox:latest", IMAGE_PULL_IF_NOT_PRESENT, NULL, &img, &err), 0);
    image_free(img);
    /* A registry that cannot be reached: ErrImagePull (127.0.0.1:1 refuses connections). */
    char empty[512];
    snprintf(empty, sizeof empty, "%s/registries.yaml", dir);
    fclose(fopen(empty, "w"));
    struct image_pull_options o = {.registries_config = empty};
    CHECK_INT_EQ(image_ensure(s, "127.0.0.1:1/x", IMAGE_PULL_ALWAYS, &o, &img, &err), IMAGE_ERR_PULL);
    CHECK_STR_CONTAINS(err.message, "http://127.0.0.1:1/v2/x/manifests/latest");
    close_store(s);
}
