/* Unpacking a stored layer blob into layers/sha256/DIFFID, through layers/tmp so that a layer under its
 * name is always complete; see store.h. Apart from store.c, so that a program that only reads the store
 * (husk-daemon) does not link the unpacker and libarchive. */
#include "base/cleanup.h"
#include "image/reference.h"
#include "image/files.h"
#include "image/store.h"
#include "image/store_internal.h"
#include "image/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unpacks into layers/tmp/NAME; the caller renames it into place. */
static int unpack_to_temp(struct image_store *s, const struct image_layer_record *layer, char *tmp,
                          size_t tmp_size, husk_error *err)
{
    cleanup_close int blob = image_store_open_blob(s, layer->digest, err);
    if (blob < 0)
        return -1;
    /* A unique name from a temp file, which becomes the directory. */
    int fd = image_create_temp_at(s->layertmpfd, "layer", tmp, tmp_size, err);
    if (fd < 0)
        return -1;
    close(fd);
    if (unlinkat(s->layertmpfd, tmp, 0) < 0 || mkdirat(s->layertmpfd, tmp, 0755) < 0)
        return husk_error_set_errno(err, errno, "creating a directory for layer %s", layer->digest);
    cleanup_close int root = openat(s->layertmpfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (root < 0)
        return husk_error_set_errno(err, errno, "opening the directory for layer %s", layer->digest);
    char diff_id[IMAGE_DIGEST_STRING_SIZE];
    if (image_unpack_layer(blob, root, diff_id, err) < 0)
        return husk_error_wrap(err, "unpacking layer %s", layer->digest);
    if (strcmp(diff_id, layer->diff_id) != 0)
        return husk_error_set(err, EBADMSG,
                              "layer %s: diff ID mismatch: the image config says %s, the content is %s",
                              layer->digest, layer->diff_id, diff_id);
    /* The layer must be on disk before its name says it is complete. */
    if (syncfs(root) < 0)
        return husk_error_set_errno(err, errno, "syncing layer %s", layer->digest);
    return 0;
}

int image_store_ensure_layer(struct image_store *s, const struct image_layer_record *layer, husk_error *err)
{
    if (!image_digest_is_valid(layer->diff_id))
        return husk_error_set(err, EINVAL, "layer %s has no valid diff ID", layer->digest);
    if (image_store_has_layer(s, layer->diff_id))
        return 0;
    char tmp[64] = "";
    if (unpack_to_temp(s, layer, tmp, sizeof tmp, err) < 0) {
        husk_error e2 = {0};
        if (tmp[0] != '\0')
            image_remove_tree_at(s->layertmpfd, tmp, &e2);
        return -1;
    }
    if (renameat(s->layertmpfd, tmp, s->layersfd, layer->diff_id + 7) < 0) {
        int e = errno;
        husk_error e2 = {0};
        image_remove_tree_at(s->layertmpfd, tmp, &e2);
        /* Another pull of the same image got there first: its copy is complete, so use it. */
        if ((e == EEXIST || e == ENOTEMPTY) && image_store_has_layer(s, layer->diff_id))
            return 0;
        return husk_error_set_errno(err, e, "renaming layer %s into place", layer->diff_id);
    }
    return image_fsync_dir(s->layersfd, err);
}
