/* Image archives: `docker save` archives (manifest.json + repositories) and OCI image layout archives
 * (oci-layout + index.json + blobs/), as `husk image load` reads and `husk image save` writes them. */
#ifndef HUSK_IMAGE_ARCHIVE_H
#define HUSK_IMAGE_ARCHIVE_H

#include "base/error.h"
#include "image/store.h"

/* Loads every image in the archive at path (plain or compressed tar) into the store. ret_names gets a
 * NULL-terminated list of what was loaded: names, or "sha256:ID" for unnamed images. */
int image_archive_load(struct image_store *s, const char *path, char ***ret_names, husk_error *err);

/* Writes the images named by keys (NULL-terminated) to path as an OCI layout archive. */
int image_archive_save(struct image_store *s, char *const *keys, const char *path, husk_error *err);

#endif
