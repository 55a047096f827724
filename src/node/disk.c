/* See disk.h. */
#include "node/disk.h"

#include "base/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int node_fs_stats(const char *path, struct node_fs_stats *ret, husk_error *err)
{
    struct statvfs vfs;
    if (statvfs(path, &vfs) < 0)
        return husk_error_set_errno(err, errno, "statvfs %s", path);
    *ret = (struct node_fs_stats){
        .available = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize,
        .capacity = (int64_t)vfs.f_blocks * (int64_t)vfs.f_frsize,
        .inodes_free = (int64_t)vfs.f_favail,
        .inodes = (int64_t)vfs.f_files,
    };
    return 0;
}

bool node_fs_full(const struct node_fs_stats *stats)
{
    return stats->available < NODE_FS_MIN_FREE_BYTES ||
           (stats->inodes > 0 && stats->inodes_free < NODE_FS_MIN_FREE_INODES);
}

/* Bounds the walk: a pod could nest directories deeper than any stack should go. */
#define MAX_DEPTH 64

static int64_t usage_at(int dir_fd, dev_t dev, int depth)
{
    cleanup_closedir DIR *d = fdopendir(dir_fd);
    if (d == NULL) {
        close(dir_fd);
        return 0;
    }
    int64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
            continue;
        total += (int64_t)st.st_blocks * 512;
        if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
            int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0)
                total += usage_at(fd, dev, depth + 1);
        }
    }
    return total;
}

int64_t node_disk_usage(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return 0;
    }
    return (int64_t)st.st_blocks * 512 + usage_at(fd, st.st_dev, 0);
}
