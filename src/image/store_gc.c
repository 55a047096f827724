/* Garbage collection of the content store: blobs and unpacked layers that no image record references,
 * and temp files left by an interrupted pull. It runs under the exclusive store lock, so no pull or load
 * (which hold the shared lock until their record is written) can be adding content at the same time. */
#include "base/cleanup.h"
#include "image/files.h"
#include "image/store.h"
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

struct digest_set {
    char (*items)[IMAGE_DIGEST_STRING_SIZE];
    size_t n;
};

static int set_add(struct digest_set *set, const char *digest)
{
    char(*bigger)[IMAGE_DIGEST_STRING_SIZE] = realloc(set->items, (set->n + 1) * sizeof *set->items);
    if (bigger == NULL)
        return -1;
    set->items = bigger;
    memcpy(set->items[set->n++], digest, IMAGE_DIGEST_STRING_SIZE);
    return 0;
}

static bool set_has_hex(const struct digest_set *set, const char *hex)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i] + 7, hex) == 0)
            return true;
    return false;
}

static int collect_referenced(struct image_store *s, struct digest_set *blobs, struct digest_set *layers,
                              husk_error *err)
{
    struct image_record *list;
    size_t n;
    if (image_store_list_records(s, &list, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc |= set_add(blobs, list[i].manifest_digest) | set_add(blobs, list[i].config_digest);
        for (size_t j = 0; j < list[i].n_layers; j++)
            rc |= set_add(blobs, list[i].layers[j].digest) | set_add(layers, list[i].layers[j].diff_id);
    }
    image_record_list_free(list, n);
    if (rc != 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    return 0;
}

/* Removes every entry of dirfd not in keep (all of them when keep is NULL); counts removals. */
static int sweep(int dirfd, const struct digest_set *keep, size_t *removed, husk_error *err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_closedir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return husk_error_set_errno(err, errno, "listing the image store");
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (keep != NULL && set_has_hex(keep, de->d_name))
            continue;
        if (image_remove_tree_at(dirfd, de->d_name, err) < 0)
            return -1;
        if (de->d_name[0] != '.' && keep != NULL)
            (*removed)++;
    }
    return 0;
}

int image_store_gc(struct image_store *s, size_t *ret_removed, husk_error *err)
{
    if (image_store_lock(s, true, err) < 0)
        return -1;
    struct digest_set blobs = {0}, layers = {0};
    size_t removed = 0;
    int rc = collect_referenced(s, &blobs, &layers, err);
    if (rc == 0)
        rc = sweep(s->blobsfd, &blobs, &removed, err);
    if (rc == 0)
        rc = sweep(s->layersfd, &layers, &removed, err);
    if (rc == 0)
        rc = sweep(s->layertmpfd, NULL, &removed, err);
    if (rc == 0)
        rc = image_fsync_dir(s->blobsfd, err);
    image_store_unlock(s);
    free(blobs.items);
    free(layers.items);
    if (rc == 0 && ret_removed != NULL)
        *ret_removed = removed;
    return rc;
}

/* Removes (and counts) the entries of dirfd whose names start with prefix. */
static int remove_temp(int dirfd, const char *prefix, size_t *removed, husk_error *err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_closedir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return husk_error_set_errno(err, errno, "listing the image store");
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        if (image_remove_tree_at(dirfd, de->d_name, err) < 0)
            return -1;
        (*removed)++;
    }
    return 0;
}

int image_store_sweep_temp(struct image_store *s, size_t *ret_removed, husk_error *err)
{
    size_t removed = 0;
    *ret_removed = 0;
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0)
        return errno == EWOULDBLOCK ? 0 : husk_error_set_errno(err, errno, "locking the image store");
    int rc = remove_temp(s->blobsfd, ".tmp-", &removed, err);
    if (rc == 0)
        rc = remove_temp(s->layertmpfd, "", &removed, err);
    image_store_unlock(s);
    *ret_removed = removed;
    return rc;
}
