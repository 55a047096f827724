/* Images that may need the network or the unpacker: image_get, which unpacks a layer missing from the
 * store, and image_ensure, which pulls by the pull policy; see image.h. */
#include "base/cleanup.h"
#include "image/image.h"

#include <errno.h>
#include <string.h>

/* A layer removed behind our back (or never finished) is unpacked again from its blob. */
static int unpack_missing_layers(struct image_store *s, const char *key, husk_error *err)
{
    if (image_store_lock(s, false, err) < 0)
        return -1;
    struct image_record record;
    int rc = image_store_get_record(s, key, &record, err);
    if (rc == 0) {
        for (size_t i = 0; i < record.n_layers && rc == 0; i++)
            rc = image_store_ensure_layer(s, &record.layers[i], err);
        image_record_free(&record);
    }
    image_store_unlock(s);
    return rc < 0 ? husk_error_wrap(err, "image %s", key) : 0;
}

int image_get(struct image_store *s, const char *key, struct image **ret, husk_error *err)
{
    if (unpack_missing_layers(s, key, err) < 0)
        return -1;
    return image_get_unpacked(s, key, ret, err);
}

int image_ensure(struct image_store *s, const char *name, enum image_pull_policy policy,
                 const struct image_pull_options *opts, struct image **ret, husk_error *err)
{
    cleanup_free char *full = NULL;
    int rc = image_full_name(name, &full, err);
    if (rc < 0)
        return rc;
    if (policy != IMAGE_PULL_ALWAYS && image_get(s, full, ret, err) == 0)
        return 0;
    if (policy == IMAGE_PULL_NEVER) {
        husk_error_set(err, ENOENT,
                       "ErrImageNeverPull: container image \"%s\" is not present with pull policy of Never",
                       name);
        return IMAGE_ERR_NEVER_PULL;
    }
    struct image_record record;
    rc = image_pull(s, full, opts, &record, err);
    if (rc < 0)
        return rc;
    image_record_free(&record);
    if (image_get(s, full, ret, err) < 0)
        return IMAGE_ERR_STORE;
    return 0;
}
