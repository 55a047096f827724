/* Small file helpers the runtime shares: whole-file reads and writes, atomic replacement of state files,
 * mkdir -p and rm -rf that never cross a mount point. Private to src/runtime. */
#ifndef HUSK_RUNTIME_FILES_H
#define HUSK_RUNTIME_FILES_H

#include "base/error.h"

#include <stddef.h>

/* Writes (truncating) the whole string; for cgroup and proc files, one write(2). */
int runtime_write_file(const char *path, const char *contents, husk_error *err);

/* Writes to PATH.tmp and renames it over PATH, so readers see the old or the new file, never half. */
int runtime_write_file_atomic(const char *path, const char *contents, husk_error *err);

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'd buffer. */
int runtime_read_file(const char *path, size_t max, char **ret_contents, husk_error *err);

/* Removes a tree; refuses to descend into another filesystem (a leftover mount). */
int runtime_remove_tree(const char *path, husk_error *err);

#endif
