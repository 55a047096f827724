/* The last step shared by pull and load: given a manifest blob already in the store (and its config and
 * layer blobs), check the config, unpack every layer (verifying diff IDs) and write the image record. */
#ifndef HUSK_IMAGE_COMMIT_H
#define HUSK_IMAGE_COMMIT_H

#include "base/error.h"
#include "image/store.h"

/* name and repo_digest may be NULL (an unnamed image). On success ret (if not NULL) holds the record. */
int image_commit_manifest(struct image_store *s, const char *name, const char *repo_digest,
                          const char *manifest_digest, struct image_record *ret, husk_error *err);

#endif
