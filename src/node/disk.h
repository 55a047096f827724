/* Disk figures for the eviction manager and the full-disk check: a filesystem's free space and inodes
 * (statvfs) and the space a directory tree takes (du: allocated blocks, symlinks not followed, other
 * filesystems not entered). */
#ifndef HUSK_NODE_DISK_H
#define HUSK_NODE_DISK_H

#include "base/error.h"

#include <stdbool.h>
#include <stdint.h>

struct node_fs_stats {
    int64_t available, capacity; /* bytes an unprivileged writer may still use, and the size */
    int64_t inodes_free, inodes; /* 0 inodes: the filesystem does not count them */
};

int node_fs_stats(const char *path, struct node_fs_stats *ret, husk_error *err);

/* Full for a new pod: under 1 MiB or 16 inodes left. */
#define NODE_FS_MIN_FREE_BYTES  (1 << 20)
#define NODE_FS_MIN_FREE_INODES 16
bool node_fs_full(const struct node_fs_stats *stats);

/* Bytes allocated under path (0 when it does not exist). */
int64_t node_disk_usage(const char *path);

#endif
