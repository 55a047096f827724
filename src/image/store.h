/* The image content store under DATA_DIR/images/:
 *   blobs/sha256/HEX        content-addressed blobs (manifests, configs, layer archives)
 *   layers/sha256/HEX       unpacked layers named by diff ID, ready as overlayfs lower directories
 *   refs/HEX.json           one record per image name (HEX = sha256 of the name): manifest, config, layers
 *   lock                    flock: shared while pulling or loading, exclusive for rm and garbage collection
 * Every write is atomic (temp file in the same directory, fsync, rename, fsync of the directory); a layer is
 * unpacked into layers/tmp/ and renamed into place only when complete, so a crash never leaves half a blob
 * or half a layer in use. Blobs are verified against their digest and size before they are used. */
#ifndef HUSK_IMAGE_STORE_H
#define HUSK_IMAGE_STORE_H

#include "base/error.h"
#include "image/digest.h"

#include <stdbool.h>
#include <stddef.h>

struct image_store;

struct image_layer_record {
    char digest[IMAGE_DIGEST_STRING_SIZE];  /* the blob as distributed (maybe compressed) */
    char diff_id[IMAGE_DIGEST_STRING_SIZE]; /* the uncompressed tar: names the unpacked directory */
    long long size;                         /* of the blob */
    char *media_type;
};

struct image_record {
    char *name;                                     /* "docker.io/library/busybox:latest", or NULL */
    char *repo_digest;                              /* "docker.io/library/busybox@sha256:…", or NULL */
    char manifest_digest[IMAGE_DIGEST_STRING_SIZE]; /* the image manifest (never an index) */
    char config_digest[IMAGE_DIGEST_STRING_SIZE];   /* the image ID */
    struct image_layer_record *layers;              /* lowest first */
    size_t n_layers;
    long long size; /* config + layer blobs */
};

void image_record_free(struct image_record *r);
void image_record_list_free(struct image_record *list, size_t n);

/* Opens (creating if needed) DATA_DIR/images. */
int image_store_open(const char *data_dir, struct image_store **ret, husk_error *err);
void image_store_close(struct image_store *s);
const char *image_store_path(const struct image_store *s);

/* Takes the store lock: shared for adding content, exclusive for removing it. Blocks. */
int image_store_lock(struct image_store *s, bool exclusive, husk_error *err);
void image_store_unlock(struct image_store *s);

/* An exclusive lock for one image name (refs/.pull-HEX.lock), so that a second pull of the same image waits
 * for the first and then finds its content already stored. Returns the fd to close to unlock. */
int image_store_lock_name(struct image_store *s, const char *name, husk_error *err);

/* Streaming blob writes: begin, write any number of times, commit (verifying the digest and, when
 * expected_size >= 0, the size) or abort. */
struct image_blob_writer;
int image_blob_begin(struct image_store *s, struct image_blob_writer **ret, husk_error *err);
int image_blob_write(struct image_blob_writer *w, const void *data, size_t n, husk_error *err);
int image_blob_commit(struct image_blob_writer *w, const char *expected_digest, long long expected_size,
                      char ret_digest[IMAGE_DIGEST_STRING_SIZE], husk_error *err);
void image_blob_abort(struct image_blob_writer *w);

/* Stores a whole buffer as a blob (verified against expected_digest when it is not NULL). */
int image_store_put_blob(struct image_store *s, const void *data, size_t n, const char *expected_digest,
                         char ret_digest[IMAGE_DIGEST_STRING_SIZE], husk_error *err);
bool image_store_has_blob(struct image_store *s, const char *digest);
/* Opens a blob for reading (O_RDONLY|O_CLOEXEC). */
int image_store_open_blob(struct image_store *s, const char *digest, husk_error *err);
/* Reads a small blob (at most max bytes), checking its digest. */
int image_store_read_blob(struct image_store *s, const char *digest, size_t max, char **ret_data,
                          size_t *ret_len, husk_error *err);

/* Unpacks the layer blob into layers/sha256/DIFFHEX unless it is already there, checking the diff ID. */
int image_store_ensure_layer(struct image_store *s, const struct image_layer_record *layer, husk_error *err);
/* "DATA_DIR/images/layers/sha256/HEX" (newly allocated). */
char *image_store_layer_path(const struct image_store *s, const char *diff_id);
bool image_store_has_layer(struct image_store *s, const char *diff_id);

/* Image records. `key` for get: a full name, "sha256:ID", or a unique ID prefix of at least 4 hex digits. */
int image_store_put_record(struct image_store *s, const struct image_record *r, husk_error *err);
int image_store_get_record(struct image_store *s, const char *key, struct image_record *ret, husk_error *err);
int image_store_list_records(struct image_store *s, struct image_record **ret, size_t *ret_n,
                             husk_error *err);
int image_store_remove_record(struct image_store *s, const char *name, husk_error *err);

/* Removes blobs and layers that no record references, and stale temp files. Takes the lock itself. */
int image_store_gc(struct image_store *s, size_t *ret_removed, husk_error *err);

/* Removes what an interrupted pull or unpack left (temp blobs, half-unpacked layers in layers/tmp), when
 * no pull or load is running (the exclusive lock is free now); otherwise does nothing. Nothing in them was
 * ever used: a blob or layer is renamed into place only once complete. Returns how many were removed. */
int image_store_sweep_temp(struct image_store *s, size_t *ret_removed, husk_error *err);

#endif
