/* Image records (refs/HEX.json, one per image name) and garbage collection; see store.h. */
#include "base/cleanup.h"
#include "image/files.h"
#include "image/reference.h"
#include "image/store.h"
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define RECORD_MAX (1 << 20)

void image_record_free(struct image_record *r)
{
    if (r == NULL)
        return;
    free(r->name);
    free(r->repo_digest);
    for (size_t i = 0; i < r->n_layers; i++)
        free(r->layers[i].media_type);
    free(r->layers);
    *r = (struct image_record){0};
}

void image_record_list_free(struct image_record *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        image_record_free(&list[i]);
    free(list);
}

/* refs/ file name for an image name (or, for an unnamed image, its ID). */
static void record_file_name(const struct image_record *r, char out[80])
{
    const char *key = r->name ? r->name : r->config_digest;
    char d[IMAGE_DIGEST_STRING_SIZE];
    image_digest_buffer(key, strlen(key), d);
    snprintf(out, 80, "%s.json", d + 7);
}

static json_t *record_to_json(const struct image_record *r)
{
    json_t *layers = json_array();
    for (size_t i = 0; i < r->n_layers; i++) {
        const struct image_layer_record *l = &r->layers[i];
        json_array_append_new(layers, json_pack("{s:s, s:s, s:I, s:s}", "digest", l->digest, "diffId",
                                                l->diff_id, "size", (json_int_t)l->size, "mediaType",
                                                l->media_type ? l->media_type : ""));
    }
    return json_pack("{s:s*, s:s*, s:s, s:s, s:o, s:I}", "name", r->name, "repoDigest", r->repo_digest,
                     "manifest", r->manifest_digest, "config", r->config_digest, "layers", layers, "size",
                     (json_int_t)r->size);
}

static int copy_digest(char out[IMAGE_DIGEST_STRING_SIZE], const char *in)
{
    if (in == NULL || !image_digest_is_valid(in))
        return -1;
    memcpy(out, in, IMAGE_DIGEST_STRING_SIZE);
    return 0;
}

static int record_from_json(json_t *j, struct image_record *ret)
{
    struct image_record r = {0};
    const char *name = NULL, *repo_digest = NULL, *manifest = NULL, *config = NULL;
    json_t *layers = NULL;
    json_int_t size = 0;
    if (json_unpack(j, "{s?s, s?s, s:s, s:s, s:o, s:I}", "name", &name, "repoDigest", &repo_digest,
                    "manifest", &manifest, "config", &config, "layers", &layers, "size", &size) < 0 ||
        !json_is_array(layers) || copy_digest(r.manifest_digest, manifest) < 0 ||
        copy_digest(r.config_digest, config) < 0)
        return -1;
    r.name = name ? strdup(name) : NULL;
    r.repo_digest = repo_digest ? strdup(repo_digest) : NULL;
    r.size = size;
    r.layers = calloc(json_array_size(layers) + 1, sizeof *r.layers);
    if (r.layers == NULL) {
        image_record_free(&r);
        return -1;
    }
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l)
    {
        const char *digest = NULL, *diff_id = NULL, *media = NULL;
        json_int_t lsize = 0;
        r.n_layers = i + 1;
        if (json_unpack(l, "{s:s, s:s, s:I, s?s}", "digest", &digest, "diffId", &diff_id, "size", &lsize,
                        "mediaType", &media) < 0 ||
            copy_digest(r.layers[i].digest, digest) < 0 || copy_digest(r.layers[i].diff_id, diff_id) < 0) {
            image_record_free(&r);
            return -1;
        }
        r.layers[i].size = lsize;
        r.layers[i].media_type = strdup(media ? media : "");
    }
    *ret = r;
    return 0;
}

int image_store_put_record(struct image_store *s, const struct image_record *r, husk_error *err)
{
    json_t *j = record_to_json(r);
    cleanup_free char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (text == NULL)
        return husk_error_set(err, ENOMEM, "encoding the image record");
    char file[80];
    record_file_name(r, file);
    if (image_write_file_atomic(s->refsfd, file, text, strlen(text), err) < 0)
        return husk_error_wrap(err, "saving the record of %s", r->name ? r->name : r->config_digest);
    return 0;
}

static int read_record_file(struct image_store *s, const char *file, struct image_record *ret,
                            husk_error *err)
{
    cleanup_free char *text = NULL;
    if (image_read_file_at(s->refsfd, file, RECORD_MAX, &text, NULL, err) < 0)
        return -1;
    json_t *j = json_loads(text, 0, NULL);
    int rc = j ? record_from_json(j, ret) : -1;
    json_decref(j);
    if (rc < 0)
        return husk_error_set(err, EBADMSG, "image record %s/refs/%s is corrupt", s->path, file);
    return 0;
}

int image_store_list_records(struct image_store *s, struct image_record **ret, size_t *ret_n, husk_error *err)
{
    int fd = openat(s->refsfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_closedir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return husk_error_set_errno(err, errno, "listing %s/refs", s->path);
    }
    struct image_record *list = NULL;
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        struct image_record r;
        if (read_record_file(s, de->d_name, &r, err) < 0) {
            if (err->code == ENOENT) /* removed while listing */
                continue;
            image_record_list_free(list, n);
            return -1;
        }
        struct image_record *bigger = realloc(list, (n + 1) * sizeof *list);
        if (bigger == NULL) {
            image_record_free(&r);
            image_record_list_free(list, n);
            return husk_error_set(err, ENOMEM, "out of memory");
        }
        list = bigger;
        list[n++] = r;
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

/* Does key name this record: its name, its ID, or a prefix of its ID? */
static bool record_matches_id(const struct image_record *r, const char *key)
{
    const char *hex = strncmp(key, "sha256:", 7) == 0 ? key + 7 : key;
    size_t n = strlen(hex);
    return n >= 4 && n <= 64 && strspn(hex, "0123456789abcdef") == n &&
           strncmp(r->config_digest + 7, hex, n) == 0;
}

int image_store_get_record(struct image_store *s, const char *key, struct image_record *ret, husk_error *err)
{
    struct image_reference ref;
    husk_error ignored = {0};
    if (image_reference_parse(key, &ref, &ignored) == 0) {
        struct image_record probe = {.name = image_reference_string(&ref)};
        image_reference_free(&ref);
        char file[80];
        record_file_name(&probe, file);
        int rc = read_record_file(s, file, ret, err);
        free(probe.name);
        if (rc == 0 || err->code != ENOENT)
            return rc;
    }
    struct image_record *list = NULL;
    size_t n = 0, found = 0, index = 0;
    if (image_store_list_records(s, &list, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (record_matches_id(&list[i], key) &&
            (found == 0 || strcmp(list[i].config_digest, list[index].config_digest) != 0))
            found++, index = i;
    if (found == 1) {
        *ret = list[index];
        list[index] = (struct image_record){0};
    }
    image_record_list_free(list, n);
    if (found > 1)
        return husk_error_set(err, EINVAL, "image ID prefix \"%s\" is ambiguous", key);
    if (found == 0)
        return husk_error_set(err, ENOENT, "image \"%s\" is not in the store", key);
    return 0;
}

int image_store_remove_record(struct image_store *s, const char *name, husk_error *err)
{
    struct image_record r = {0};
    if (image_store_get_record(s, name, &r, err) < 0)
        return -1;
    char file[80];
    record_file_name(&r, file);
    image_record_free(&r);
    if (unlinkat(s->refsfd, file, 0) < 0)
        return husk_error_set_errno(err, errno, "removing the record of %s", name);
    return image_fsync_dir(s->refsfd, err);
}
