/* File system helpers every layer needs. */
#ifndef HUSK_BASE_FS_H
#define HUSK_BASE_FS_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Creates path and its missing parents (parents 0755, path itself with mode); an existing one is fine. */
int husk_mkdir_p(const char *path, mode_t mode, husk_error *err);

/* Marks a directory that holds one subdirectory per pod as a top of hierarchy (FS_TOPDIR_FL), so that ext4
 * spreads those subdirectories over its block groups (the Orlov allocator). Best effort: false where the
 * file system has no such flag. */
bool husk_mark_top_dir(const char *path);

/* Renames a damaged file to PATH.corrupt-YYYYMMDDTHHMMSSZ beside it, so that it is kept for a post-mortem
 * but no longer read; ret_path (may be NULL) gets the new name. Suffix is appended as it is to both names
 * (SQLite's "-wal": store.db-wal becomes store.db.corrupt-T-wal). */
int husk_set_aside(const char *path, const char *suffix, char *ret_path, size_t size, husk_error *err);

/* Writes the strings of parts (NULL-terminated, at most 8) in one writev, best effort: only write(2), no
 * stdio or malloc, so a child forked from a multi-threaded process may report with it before exec. */
void husk_write_strings(int fd, const char *const *parts);

/* Puts the complete file tmp in place of path, atomically (a reader sees the old file or the new one):
 * swapped in with RENAME_EXCHANGE and the old one unlinked, else (path new, or a file system without the
 * exchange) renamed. Why not rename over path: ext4 then writes tmp's data out at once (auto_da_alloc, a
 * guard for files written without fsync across a power loss) and frees the old file's blocks with a
 * synchronous discard here: 0.46 ms a replace instead of 0.17, several times per pod start. For the state
 * husk keeps of running pods, which a power loss ends anyway. -1 with errno set on failure. */
int husk_replace_file(const char *tmp, const char *path);

/* Writes all of data, retrying short writes and EINTR; -1 with errno set on failure. */
int husk_write_all(int fd, const void *data, size_t len);

/* Where one of husk's programs is: $ENV_NAME when set, else beside the running program (/proc/self/exe),
 * else /usr/local/bin. Returns whether the path found is executable. */
bool husk_program_path(const char *env_name, const char *program, char *out, size_t size);

#endif
