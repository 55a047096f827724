/* File helpers for the content store; see files.h. */
#include "image/files.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

int image_mkdir_p_at(int dirfd, const char *path, int mode, husk_error *err)
{
    char copy[PATH_MAX];
    if (strlen(path) >= sizeof copy)
        return husk_error_set(err, ENAMETOOLONG, "path too long: %s", path);
    strcpy(copy, path);
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdirat(dirfd, copy, (mode_t)mode) < 0 && errno != EEXIST)
            return husk_error_set_errno(err, errno, "creating directory %s", copy);
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

int image_open_dir_at(int dirfd, const char *path, husk_error *err)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT)
        return husk_error_set_errno(err, errno, "opening directory %s", path);
    if (image_mkdir_p_at(dirfd, path, 0755, err) < 0)
        return -1;
    fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening directory %s", path);
    return fd;
}

int image_fsync_dir(int dirfd, husk_error *err)
{
    if (fsync(dirfd) < 0)
        return husk_error_set_errno(err, errno, "syncing a store directory");
    return 0;
}

int image_create_temp_at(int dirfd, const char *prefix, char *name_out, size_t name_size, husk_error *err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned int r = 0;
        if (getrandom(&r, sizeof r, 0) != sizeof r)
            r = (unsigned int)getpid() * 2654435761u + (unsigned int)attempt;
        snprintf(name_out, name_size, "%s-%08x", prefix, r);
        int fd = openat(dirfd, name_out, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return husk_error_set_errno(err, errno, "creating temporary file %s", name_out);
    }
    return husk_error_set(err, EEXIST, "could not create a unique temporary file %s-*", prefix);
}

int image_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, husk_error *err)
{
    char tmp[256];
    cleanup_close int fd = image_create_temp_at(dirfd, ".tmp", tmp, sizeof tmp, err);
    if (fd < 0)
        return -1;
    if (husk_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return husk_error_set_errno(err, e, "writing %s", name);
    }
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return husk_error_set_errno(err, e, "renaming into place %s", name);
    }
    return image_fsync_dir(dirfd, err);
}

int image_read_file_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len,
                       husk_error *err)
{
    cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", name);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return husk_error_set_errno(err, errno, "reading %s", name);
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max)
        return husk_error_set(err, EFBIG, "%s is not a regular file of at most %zu bytes", name, max);
    cleanup_free char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        return husk_error_set(err, ENOMEM, "out of memory reading %s", name);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return husk_error_set_errno(err, n < 0 ? errno : EIO, "reading %s", name);
        got += (size_t)n;
    }
    buf[got] = '\0';
    *ret_data = steal_pointer(&buf);
    if (ret_len != NULL)
        *ret_len = got;
    return 0;
}

static int remove_children(int fd, const char *name, husk_error *err)
{
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return husk_error_set_errno(err, errno, "listing %s", name);
    }
    cleanup_closedir DIR *dir = d;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (image_remove_tree_at(dirfd(dir), de->d_name, err) < 0)
            return -1;
    }
    return 0;
}

int image_remove_tree_at(int dirfd, const char *name, husk_error *err)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return husk_error_set_errno(err, errno, "removing %s", name);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s to remove it", name);
    /* A read-only directory from a layer cannot have its entries removed until it is writable. */
    fchmod(fd, 0700);
    if (remove_children(fd, name, err) < 0)
        return -1;
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return husk_error_set_errno(err, errno, "removing directory %s", name);
    return 0;
}
