/* The content store: opening, locking, blobs and unpacked layers; see store.h. Records and garbage
 * collection are in store_records.c. */
#include "image/store.h"
#include "base/cleanup.h"
#include "image/files.h"
#include "image/reference.h"
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

int image_store_open(const char *data_dir, struct image_store **ret, husk_error *err)
{
    cleanup_free struct image_store *s = calloc(1, sizeof *s);
    if (s == NULL || asprintf(&s->path, "%s/images", data_dir) < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    s->rootfd = s->blobsfd = s->layersfd = s->refsfd = s->lockfd = -1;
    if (image_mkdir_p_at(AT_FDCWD, s->path, 0700, err) < 0)
        goto fail;
    s->rootfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->rootfd < 0) {
        husk_error_set_errno(err, errno, "opening the image store %s", s->path);
        goto fail;
    }
    if ((s->blobsfd = image_open_dir_at(s->rootfd, "blobs/sha256", err)) < 0 ||
        (s->layersfd = image_open_dir_at(s->rootfd, "layers/sha256", err)) < 0 ||
        (s->layertmpfd = image_open_dir_at(s->rootfd, "layers/tmp", err)) < 0 ||
        (s->refsfd = image_open_dir_at(s->rootfd, "refs", err)) < 0)
        goto fail;
    s->lockfd = openat(s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lockfd < 0) {
        husk_error_set_errno(err, errno, "opening %s/lock", s->path);
        goto fail;
    }
    *ret = steal_pointer(&s);
    return 0;
fail:
    husk_error_wrap(err, "opening the image store in %s", data_dir);
    image_store_close(steal_pointer(&s));
    return -1;
}

void image_store_close(struct image_store *s)
{
    if (s == NULL)
        return;
    int fds[] = {s->rootfd, s->blobsfd, s->layersfd, s->layertmpfd, s->refsfd, s->lockfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(s->path);
    free(s);
}

const char *image_store_path(const struct image_store *s)
{
    return s->path;
}

int image_store_lock(struct image_store *s, bool exclusive, husk_error *err)
{
    while (flock(s->lockfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
        if (errno != EINTR)
            return husk_error_set_errno(err, errno, "locking the image store %s", s->path);
    return 0;
}

void image_store_unlock(struct image_store *s)
{
    flock(s->lockfd, LOCK_UN);
}

int image_store_lock_name(struct image_store *s, const char *name, husk_error *err)
{
    char digest[IMAGE_DIGEST_STRING_SIZE], file[96];
    image_digest_buffer(name, strlen(name), digest);
    snprintf(file, sizeof file, ".pull-%s.lock", digest + 7);
    int fd = openat(s->refsfd, file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening the pull lock of %s", name);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return husk_error_set_errno(err, e, "locking the pull of %s", name);
        }
    }
    return fd;
}

struct image_blob_writer {
    struct image_store *store;
    int fd;
    char tmp[64];
    struct image_hasher *hasher;
    long long size;
};

int image_blob_begin(struct image_store *s, struct image_blob_writer **ret, husk_error *err)
{
    struct image_blob_writer *w = calloc(1, sizeof *w);
    if (w == NULL || (w->hasher = image_hasher_new()) == NULL) {
        free(w);
        husk_error_set(err, ENOMEM, "out of memory");
        return -1;
    }
    w->store = s;
    w->fd = image_create_temp_at(s->blobsfd, ".tmp", w->tmp, sizeof w->tmp, err);
    if (w->fd < 0) {
        image_hasher_free(w->hasher);
        free(w);
        return -1;
    }
    *ret = w;
    return 0;
}

int image_blob_write(struct image_blob_writer *w, const void *data, size_t n, husk_error *err)
{
    const char *p = data;
    image_hasher_update(w->hasher, data, n);
    w->size += (long long)n;
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return husk_error_set_errno(err, errno, "writing a blob into %s", w->store->path);
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

void image_blob_abort(struct image_blob_writer *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0) {
        close(w->fd);
        unlinkat(w->store->blobsfd, w->tmp, 0);
    }
    image_hasher_free(w->hasher);
    free(w);
}

int image_blob_commit(struct image_blob_writer *w, const char *expected_digest, long long expected_size,
                      char ret_digest[IMAGE_DIGEST_STRING_SIZE], husk_error *err)
{
    char digest[IMAGE_DIGEST_STRING_SIZE];
    image_hasher_final(w->hasher, digest);
    int rc = -1;
    if (expected_size >= 0 && w->size != expected_size)
        husk_error_set(err, EBADMSG, "size mismatch for blob %s: expected %lld bytes, got %lld",
                       expected_digest ? expected_digest : digest, expected_size, w->size);
    else if (expected_digest != NULL && strcmp(expected_digest, digest) != 0)
        husk_error_set(err, EBADMSG, "digest mismatch: expected %s, got %s", expected_digest, digest);
    else if (fsync(w->fd) < 0)
        husk_error_set_errno(err, errno, "syncing blob %s", digest);
    else if (renameat(w->store->blobsfd, w->tmp, w->store->blobsfd, digest + 7) < 0)
        husk_error_set_errno(err, errno, "renaming blob %s into place", digest);
    else
        rc = image_fsync_dir(w->store->blobsfd, err);
    if (rc == 0) {
        close(w->fd);
        w->fd = -1;
        if (ret_digest != NULL)
            memcpy(ret_digest, digest, IMAGE_DIGEST_STRING_SIZE);
    }
    image_blob_abort(w);
    return rc;
}

int image_store_put_blob(struct image_store *s, const void *data, size_t n, const char *expected_digest,
                         char ret_digest[IMAGE_DIGEST_STRING_SIZE], husk_error *err)
{
    struct image_blob_writer *w = NULL;
    if (image_blob_begin(s, &w, err) < 0)
        return -1;
    if (image_blob_write(w, data, n, err) < 0) {
        image_blob_abort(w);
        return -1;
    }
    return image_blob_commit(w, expected_digest, (long long)n, ret_digest, err);
}

bool image_store_has_blob(struct image_store *s, const char *digest)
{
    struct stat st;
    return image_digest_is_valid(digest) && fstatat(s->blobsfd, digest + 7, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

int image_store_open_blob(struct image_store *s, const char *digest, husk_error *err)
{
    if (!image_digest_is_valid(digest))
        return husk_error_set(err, EINVAL, "invalid blob digest \"%s\"", digest);
    int fd = openat(s->blobsfd, digest + 7, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening blob %s", digest);
    return fd;
}

int image_store_read_blob(struct image_store *s, const char *digest, size_t max, char **ret_data,
                          size_t *ret_len, husk_error *err)
{
    if (!image_digest_is_valid(digest))
        return husk_error_set(err, EINVAL, "invalid blob digest \"%s\"", digest);
    cleanup_free char *data = NULL;
    size_t len = 0;
    if (image_read_file_at(s->blobsfd, digest + 7, max, &data, &len, err) < 0)
        return husk_error_wrap(err, "reading blob %s", digest);
    char actual[IMAGE_DIGEST_STRING_SIZE];
    image_digest_buffer(data, len, actual);
    if (strcmp(actual, digest) != 0)
        return husk_error_set(err, EBADMSG, "blob %s in the store is corrupt (its digest is %s)", digest,
                              actual);
    *ret_data = steal_pointer(&data);
    if (ret_len != NULL)
        *ret_len = len;
    return 0;
}

char *image_store_layer_path(const struct image_store *s, const char *diff_id)
{
    char *p = NULL;
    if (asprintf(&p, "%s/layers/sha256/%s", s->path, diff_id + 7) < 0)
        return NULL;
    return p;
}

bool image_store_has_layer(struct image_store *s, const char *diff_id)
{
    struct stat st;
    return image_digest_is_valid(diff_id) &&
           fstatat(s->layersfd, diff_id + 7, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}
