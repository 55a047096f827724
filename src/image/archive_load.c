/* Loading image archives; see archive.h. The archive is read in one pass: every regular file goes straight
 * into the blob store as it streams by (hashed on the way, and checked against its name when it is
 * blobs/sha256/HEX), the few small JSON files are kept in memory, and nothing is ever extracted to a path
 * named by the archive. The images are then assembled from the stored blobs. */
#include "base/cleanup.h"
#include "image/archive.h"
#include "image/commit.h"
#include "image/config.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/safepath.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ARCHIVE_MAX_FILES 100000

struct member {
    char *name;   /* cleaned path in the archive */
    char *target; /* for links: the cleaned path it points to */
    char digest[IMAGE_DIGEST_STRING_SIZE];
    long long size;
};

struct loaded {
    struct member *members;
    size_t n;
    char *index_json, *manifest_json; /* OCI layout / docker save */
    char **names;
    size_t n_names;
};

static void loaded_free(struct loaded *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->members[i].name);
        free(l->members[i].target);
    }
    free(l->members);
    free(l->index_json);
    free(l->manifest_json);
    image_strv_free(l->names);
}

static const struct member *member_find(const struct loaded *l, const char *name)
{
    for (int hops = 0; hops < 8 && name != NULL; hops++) {
        const struct member *found = NULL;
        for (size_t i = 0; i < l->n && found == NULL; i++)
            if (strcmp(l->members[i].name, name) == 0)
                found = &l->members[i];
        if (found == NULL || found->target == NULL)
            return found;
        name = found->target;
    }
    return NULL;
}

static int read_small(struct archive *a, const char *name, char **ret, husk_error *err)
{
    size_t cap = 1 << 16, len = 0;
    cleanup_free char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        la_ssize_t n = archive_read_data(a, buf + len, cap - len - 1);
        if (n < 0)
            return husk_error_set(err, EIO, "reading %s: %s", name, archive_error_string(a));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len + 1 == cap) {
            if (cap >= IMAGE_MANIFEST_MAX)
                return husk_error_set(err, EFBIG, "%s is larger than %d bytes", name, IMAGE_MANIFEST_MAX);
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                return husk_error_set(err, ENOMEM, "out of memory");
            buf = bigger;
            cap *= 2;
        }
    }
    buf[len] = '\0';
    *ret = steal_pointer(&buf);
    return 0;
}

/* The member's data from the archive into the blob writer, through buf. */
static int copy_member_data(struct archive *a, const struct member *m, struct image_blob_writer *w, char *buf,
                            size_t size, husk_error *err)
{
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, size)) > 0)
        if (image_blob_write(w, buf, (size_t)n, err) < 0)
            return -1;
    if (n < 0)
        return husk_error_set(err, EIO, "reading %s from the archive: %s", m->name, archive_error_string(a));
    return 0;
}

static int store_member(struct image_store *s, struct archive *a, struct member *m, husk_error *err)
{
    /* blobs/sha256/HEX must hash to HEX; any other file is stored under its own hash. */
    char expected[IMAGE_DIGEST_STRING_SIZE] = "";
    if (strncmp(m->name, "blobs/sha256/", 13) == 0)
        snprintf(expected, sizeof expected, "sha256:%s", m->name + 13);
    struct image_blob_writer *w;
    if (image_blob_begin(s, &w, err) < 0)
        return -1;
    /* On the heap: a static __thread buffer would be in every thread of the daemon. */
    enum { BUFFER_SIZE = 1 << 16 };
    char *buf = malloc(BUFFER_SIZE);
    int r = buf ? copy_member_data(a, m, w, buf, BUFFER_SIZE, err)
                : husk_error_set(err, ENOMEM, "out of memory reading %s", m->name);
    free(buf);
    if (r < 0) {
        image_blob_abort(w);
        return -1;
    }
    return image_blob_commit(w, expected[0] ? expected : NULL, m->size, m->digest, err);
}

/* Symlink targets are relative to the link's directory ("../abc/layer.tar" in older docker saves). */
static char *link_target(const char *name, const char *target, bool symlink)
{
    char *joined = NULL, *clean = NULL;
    const char *slash = strrchr(name, '/');
    if (symlink && target[0] != '/' && slash != NULL) {
        if (asprintf(&joined, "%.*s/%s", (int)(slash - name), name, target) < 0)
            return NULL;
    } else {
        joined = strdup(target);
    }
    /* Resolve "dir/../x" lexically; a target escaping the archive is simply not found. */
    if (joined != NULL) {
        char *p;
        while ((p = strstr(joined, "/../")) != NULL) {
            char *start = p;
            while (start > joined && start[-1] != '/')
                start--;
            memmove(start, p + 4, strlen(p + 4) + 1);
        }
    }
    husk_error ignored = {0};
    if (joined != NULL && image_safepath_clean(joined, &clean, &ignored) < 0)
        clean = NULL;
    free(joined);
    return clean;
}

static int read_entry(struct image_store *s, struct archive *a, struct archive_entry *e, struct loaded *l,
                      husk_error *err)
{
    cleanup_free char *name = NULL;
    if (image_safepath_clean(archive_entry_pathname(e), &name, err) < 0)
        return -1;
    unsigned type = archive_entry_filetype(e);
    bool hard = archive_entry_hardlink(e) != NULL;
    if (strcmp(name, "index.json") == 0 && type == AE_IFREG && !hard)
        return read_small(a, name, &l->index_json, err);
    if (strcmp(name, "manifest.json") == 0 && type == AE_IFREG && !hard)
        return read_small(a, name, &l->manifest_json, err);
    /* Directories, and files that describe the archive rather than hold content, are not stored. */
    if ((!hard && type != AE_IFREG && type != AE_IFLNK) || !strcmp(name, "oci-layout") ||
        !strcmp(name, "repositories"))
        return 0;
    if (l->n >= ARCHIVE_MAX_FILES)
        return husk_error_set(err, EFBIG, "the archive has more than %d files", ARCHIVE_MAX_FILES);
    struct member *bigger = realloc(l->members, (l->n + 1) * sizeof *bigger);
    if (bigger == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    l->members = bigger;
    struct member *m = &l->members[l->n];
    *m = (struct member){.name = steal_pointer(&name), .size = archive_entry_size(e)};
    l->n++;
    if (hard || type == AE_IFLNK) {
        m->target = link_target(m->name, hard ? archive_entry_hardlink(e) : archive_entry_symlink(e), !hard);
        return 0;
    }
    return store_member(s, a, m, err);
}

static int read_archive(struct image_store *s, const char *path, struct loaded *l, husk_error *err)
{
    struct archive *a = archive_read_new();
    if (a == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int rc = 0;
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        rc = husk_error_set(err, EIO, "opening %s: %s", path, archive_error_string(a));
    } else {
        struct archive_entry *e;
        int r;
        while (rc == 0 && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN))
            rc = read_entry(s, a, e, l, err);
        if (rc == 0 && r != ARCHIVE_EOF)
            rc = husk_error_set(err, EIO, "reading %s: %s", path, archive_error_string(a));
    }
    archive_read_free(a);
    return rc;
}

static int add_name(struct loaded *l, const char *name, husk_error *err)
{
    char **bigger = realloc(l->names, (l->n_names + 2) * sizeof *bigger);
    if (bigger == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    l->names = bigger;
    l->names[l->n_names] = strdup(name);
    l->names[++l->n_names] = NULL;
    return 0;
}

/* A name from an archive, normalised; a bare tag ("latest", as some tools write ref.name) names nothing. */
static char *normalise_name(const char *text)
{
    struct image_reference ref;
    husk_error ignored = {0};
    if (text == NULL || (strchr(text, '/') == NULL && strchr(text, ':') == NULL) ||
        image_reference_parse(text, &ref, &ignored) < 0)
        return NULL;
    char *s = image_reference_string(&ref);
    image_reference_free(&ref);
    return s;
}

static int commit_named(struct image_store *s, struct loaded *l, const char *raw_name,
                        const char *manifest_digest, husk_error *err)
{
    cleanup_free char *name = normalise_name(raw_name);
    struct image_record r;
    if (image_commit_manifest(s, name, NULL, manifest_digest, &r, err) < 0)
        return -1;
    int rc = add_name(l, name ? name : r.config_digest, err);
    image_record_free(&r);
    return rc;
}

static int load_oci_entry(struct image_store *s, struct loaded *l, const struct image_descriptor *d,
                          husk_error *err)
{
    if (!image_store_has_blob(s, d->digest))
        return husk_error_set(err, ENOENT, "index.json names %s, which is not in the archive", d->digest);
    cleanup_free char *text = NULL;
    size_t len;
    struct image_manifest m = {0};
    if (image_store_read_blob(s, d->digest, IMAGE_MANIFEST_MAX, &text, &len, err) < 0 ||
        image_manifest_parse(text, len, &m, err) < 0)
        return -1;
    const struct image_descriptor *chosen = d;
    int rc = m.is_index ? image_index_choose(&m, &chosen, err) : 0;
    if (rc == 0)
        rc = commit_named(s, l, d->ref_name, chosen->digest, err);
    image_manifest_free(&m);
    return rc;
}

static int load_oci(struct image_store *s, struct loaded *l, husk_error *err)
{
    struct image_manifest index = {0};
    if (image_manifest_parse(l->index_json, strlen(l->index_json), &index, err) < 0)
        return husk_error_wrap(err, "index.json");
    if (!index.is_index) {
        image_manifest_free(&index);
        return husk_error_set(err, EBADMSG, "index.json is not an image index");
    }
    int rc = 0;
    for (size_t i = 0; i < index.n_entries && rc == 0; i++)
        rc = load_oci_entry(s, l, &index.entries[i], err);
    image_manifest_free(&index);
    return rc;
}

static int member_descriptor(const struct loaded *l, const char *name, struct image_descriptor *d,
                             husk_error *err)
{
    cleanup_free char *clean = NULL;
    const struct member *m = NULL;
    if (name != NULL && image_safepath_clean(name, &clean, err) == 0)
        m = member_find(l, clean);
    if (m == NULL || m->digest[0] == '\0')
        return husk_error_set(err, ENOENT, "manifest.json names \"%s\", which is not in the archive",
                              name ? name : "(null)");
    memcpy(d->digest, m->digest, IMAGE_DIGEST_STRING_SIZE);
    d->size = m->size;
    return 0;
}

/* The OCI manifest for one manifest.json entry: its config and layer files, as stored. */
static char *docker_manifest(struct loaded *l, json_t *image, husk_error *err)
{
    json_t *layers = json_object_get(image, "Layers");
    struct image_descriptor config = {0};
    size_t n = json_array_size(layers);
    if (!json_is_array(layers) ||
        member_descriptor(l, json_string_value(json_object_get(image, "Config")), &config, err) < 0) {
        husk_error_wrap(err, "manifest.json");
        return NULL;
    }
    struct image_descriptor *descs = calloc(n + 1, sizeof *descs);
    if (descs == NULL) {
        husk_error_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = member_descriptor(l, json_string_value(json_array_get(layers, i)), &descs[i], err);
    char *manifest = rc == 0 ? image_manifest_build(&config, descs, n) : NULL;
    free(descs);
    if (rc == 0 && manifest == NULL)
        husk_error_set(err, ENOMEM, "out of memory");
    return manifest;
}

static int load_docker_image(struct image_store *s, struct loaded *l, json_t *image, husk_error *err)
{
    json_t *tags = json_object_get(image, "RepoTags");
    char *manifest = docker_manifest(l, image, err);
    if (manifest == NULL)
        return -1;
    char digest[IMAGE_DIGEST_STRING_SIZE];
    int rc = image_store_put_blob(s, manifest, strlen(manifest), NULL, digest, err);
    free(manifest);
    if (rc < 0)
        return husk_error_wrap(err, "storing the manifest");
    if (json_array_size(tags) == 0)
        return commit_named(s, l, NULL, digest, err);
    for (size_t i = 0; i < json_array_size(tags); i++)
        if (commit_named(s, l, json_string_value(json_array_get(tags, i)), digest, err) < 0)
            return -1;
    return 0;
}

static int load_docker(struct image_store *s, struct loaded *l, husk_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(l->manifest_json, 0, &jerr);
    if (!json_is_array(j)) {
        json_decref(j);
        return husk_error_set(err, EBADMSG, "manifest.json is not a JSON list: %s", jerr.text);
    }
    int rc = 0;
    for (size_t i = 0; i < json_array_size(j) && rc == 0; i++)
        rc = load_docker_image(s, l, json_array_get(j, i), err);
    json_decref(j);
    return rc;
}

int image_archive_load(struct image_store *s, const char *path, char ***ret_names, husk_error *err)
{
    struct loaded l = {0};
    if (image_store_lock(s, false, err) < 0)
        return -1;
    int rc = read_archive(s, path, &l, err);
    if (rc == 0 && l.index_json != NULL)
        rc = load_oci(s, &l, err);
    else if (rc == 0 && l.manifest_json != NULL)
        rc = load_docker(s, &l, err);
    else if (rc == 0)
        rc = husk_error_set(err, EINVAL,
                            "neither index.json (OCI layout) nor manifest.json (docker save) found");
    image_store_unlock(s);
    if (rc == 0 && l.n_names == 0)
        rc = husk_error_set(err, EINVAL, "the archive holds no image");
    if (rc == 0) {
        *ret_names = l.names;
        l.names = NULL;
    }
    loaded_free(&l);
    if (rc < 0)
        husk_error_wrap(err, "loading %s", path);
    return rc;
}
