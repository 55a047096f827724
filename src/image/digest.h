/* SHA-256 digests of blobs and layers ("sha256:<hex>"), computed incrementally (nettle's SHA-256)
 * so a blob is hashed while it streams in and never has to be read twice. */
#ifndef HUSK_IMAGE_DIGEST_H
#define HUSK_IMAGE_DIGEST_H

#include "base/error.h"

#include <stddef.h>

#define IMAGE_DIGEST_STRING_SIZE (7 + 64 + 1)

struct image_hasher; /* opaque */

struct image_hasher *image_hasher_new(void);
void image_hasher_update(struct image_hasher *h, const void *data, size_t n);
/* Writes "sha256:<64 hex>" into out; the hasher may not be updated afterwards. */
void image_hasher_final(struct image_hasher *h, char out[IMAGE_DIGEST_STRING_SIZE]);
void image_hasher_free(struct image_hasher *h);

/* The digest of a buffer. */
void image_digest_buffer(const void *data, size_t n, char out[IMAGE_DIGEST_STRING_SIZE]);

/* The digest and size of the file at dirfd/name (not following a final symlink). */
int image_digest_file_at(int dirfd, const char *name, char out[IMAGE_DIGEST_STRING_SIZE], long long *ret_size,
                         husk_error *err);

#endif
