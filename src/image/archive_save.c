/* Saving images as an OCI image layout archive (oci-layout, index.json, blobs/sha256/…), the format
 * `skopeo copy oci-archive:` and `podman load` read; see archive.h. */
#include "base/cleanup.h"
#include "image/archive.h"
#include "image/manifest.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int add_buffer(struct archive *a, const char *name, const void *data, size_t len, husk_error *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK || (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len))
        return husk_error_set(err, EIO, "writing %s: %s", name, archive_error_string(a));
    return 0;
}

static int add_blob(struct image_store *s, struct archive *a, const char *digest, husk_error *err)
{
    cleanup_close int fd = image_store_open_blob(s, digest, err);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return fd < 0 ? -1 : husk_error_set_errno(err, errno, "reading blob %s", digest);
    char name[128];
    snprintf(name, sizeof name, "blobs/sha256/%s", digest + 7);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, st.st_size);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK)
        return husk_error_set(err, EIO, "writing %s: %s", name, archive_error_string(a));
    /* On the heap: a static __thread buffer would be in every thread of the daemon. */
    enum { BUFFER_SIZE = 1 << 16 };
    cleanup_free char *buf = malloc(BUFFER_SIZE);
    if (buf == NULL)
        return husk_error_set(err, ENOMEM, "out of memory writing %s", name);
    ssize_t n;
    while ((n = read(fd, buf, BUFFER_SIZE)) > 0)
        if (archive_write_data(a, buf, (size_t)n) != n)
            return husk_error_set(err, EIO, "writing %s: %s", name, archive_error_string(a));
    if (n < 0)
        return husk_error_set_errno(err, errno, "reading blob %s", digest);
    return 0;
}

/* Adds one image's blobs (skipping ones already written) and its index.json entry. */
static int add_image(struct image_store *s, struct archive *a, const struct image_record *r,
                     json_t *manifests, json_t *written, husk_error *err)
{
    cleanup_free char *text = NULL;
    size_t len;
    struct image_manifest m = {0};
    if (image_store_read_blob(s, r->manifest_digest, IMAGE_MANIFEST_MAX, &text, &len, err) < 0 ||
        image_manifest_parse(text, len, &m, err) < 0)
        return -1;
    json_t *entry =
        json_pack("{s:s, s:s, s:I}", "mediaType", m.media_type ? m.media_type : IMAGE_MEDIA_OCI_MANIFEST,
                  "digest", r->manifest_digest, "size", (json_int_t)len);
    image_manifest_free(&m);
    if (r->name != NULL)
        json_object_set_new(entry, "annotations",
                            json_pack("{s:s, s:s}", "org.opencontainers.image.ref.name", r->name,
                                      "io.containerd.image.name", r->name));
    json_array_append_new(manifests, entry);
    const char *digests[2] = {r->manifest_digest, r->config_digest};
    for (size_t i = 0; i < 2 + r->n_layers; i++) {
        const char *d = i < 2 ? digests[i] : r->layers[i - 2].digest;
        if (json_object_get(written, d) != NULL)
            continue;
        if (add_blob(s, a, d, err) < 0)
            return -1;
        json_object_set_new(written, d, json_true());
    }
    return 0;
}

static int write_archive(struct image_store *s, struct archive *a, const struct image_record *records,
                         size_t n, husk_error *err)
{
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    json_t *manifests = json_array(), *written = json_object();
    int rc = add_buffer(a, "oci-layout", layout, strlen(layout), err);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_image(s, a, &records[i], manifests, written, err);
    json_t *index = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", IMAGE_MEDIA_OCI_INDEX,
                              "manifests", manifests);
    char *text = index ? json_dumps(index, JSON_COMPACT) : NULL;
    if (rc == 0)
        rc = text ? add_buffer(a, "index.json", text, strlen(text), err)
                  : husk_error_set(err, ENOMEM, "out of memory");
    free(text);
    json_decref(index);
    json_decref(written);
    return rc;
}

int image_archive_save(struct image_store *s, char *const *keys, const char *path, husk_error *err)
{
    size_t n = 0;
    while (keys[n] != NULL)
        n++;
    struct image_record *records = calloc(n + 1, sizeof *records);
    if (records == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = image_store_get_record(s, keys[i], &records[i], err);
    struct archive *a = rc == 0 ? archive_write_new() : NULL;
    if (a != NULL) {
        archive_write_set_format_pax_restricted(a);
        if (archive_write_open_filename(a, path) != ARCHIVE_OK)
            rc = husk_error_set(err, EIO, "creating %s: %s", path, archive_error_string(a));
        else
            rc = write_archive(s, a, records, n, err);
        if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
            rc = husk_error_set(err, EIO, "writing %s: %s", path, archive_error_string(a));
        archive_write_free(a);
    }
    image_record_list_free(records, n);
    if (rc < 0) {
        unlink(path);
        husk_error_wrap(err, "saving %s", path);
    }
    return rc;
}
