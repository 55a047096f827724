/* File helpers for the content store: atomic writes (temp file in the same directory, fsync, rename,
 * fsync of the directory), reading small files with a size limit, and removing a tree without ever
 * following a symlink. All take a directory fd and a name, so nothing depends on the current directory. */
#ifndef HUSK_IMAGE_FILES_H
#define HUSK_IMAGE_FILES_H

#include "base/error.h"

#include <stddef.h>

/* Creates dirfd/path and its missing parents (mode 0700 for the store's private dirs is the caller's). */
int image_mkdir_p_at(int dirfd, const char *path, int mode, husk_error *err);

/* Opens dirfd/path as a directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC), creating it and its parents. */
int image_open_dir_at(int dirfd, const char *path, husk_error *err);

int image_fsync_dir(int dirfd, husk_error *err);

/* Writes data to dirfd/name atomically: a crash leaves either the old file or the new one. */
int image_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, husk_error *err);

/* Reads dirfd/name into a NUL-terminated buffer, failing if it is larger than max bytes. */
int image_read_file_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len,
                       husk_error *err);

/* Removes dirfd/name and, if it is a directory, everything below it; a missing name is not an error. */
int image_remove_tree_at(int dirfd, const char *name, husk_error *err);

/* Creates a unique temp name "PREFIX-XXXXXX" in dirfd as a file (returns the fd) and fills name_out. */
int image_create_temp_at(int dirfd, const char *prefix, char *name_out, size_t name_size, husk_error *err);

#endif
