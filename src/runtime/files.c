/* See files.h. */
#include "runtime/files.h"

#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int runtime_write_file(const char *path, const char *contents, husk_error *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", path);
    if (husk_write_all(fd, contents, strlen(contents)) < 0)
        return husk_error_set_errno(err, errno, "writing '%s' to %s", contents, path);
    return 0;
}

int runtime_write_file_atomic(const char *path, const char *contents, husk_error *err)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return husk_error_set(err, ENAMETOOLONG, "path too long: %s", path);
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", tmp);
    if (husk_write_all(fd, contents, strlen(contents)) < 0)
        return husk_error_set_errno(err, errno, "writing %s", tmp);
    if (husk_replace_file(tmp, path) < 0)
        return husk_error_set_errno(err, errno, "renaming %s to %s", tmp, path);
    return 0;
}

int runtime_read_file(const char *path, size_t max, char **ret_contents, husk_error *err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", path);
    size_t cap = 4096, len = 0;
    cleanup_free char *buf = malloc(cap);
    if (buf == NULL)
        return husk_error_set(err, ENOMEM, "reading %s: out of memory", path);
    for (;;) {
        if (len + 1 == cap) {
            if (cap >= max + 1)
                return husk_error_set(err, EFBIG, "%s is larger than %zu bytes", path, max);
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *bigger = realloc(buf, cap);
            if (bigger == NULL)
                return husk_error_set(err, ENOMEM, "reading %s: out of memory", path);
            buf = bigger;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return husk_error_set_errno(err, errno, "reading %s", path);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *ret_contents = steal_pointer(&buf);
    return 0;
}

static int remove_at(int parent_fd, const char *name, dev_t dev, husk_error *err)
{
    struct stat st;
    if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : husk_error_set_errno(err, errno, "stat %s", name);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT)
            return husk_error_set_errno(err, errno, "removing %s", name);
        return 0;
    }
    if (st.st_dev != dev)
        return husk_error_set(err, EBUSY, "not removing %s: a mount point", name);
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", name);
    cleanup_closedir DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return husk_error_set_errno(err, errno, "opening %s", name);
    }
    for (struct dirent *de; (de = readdir(dir)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (remove_at(dirfd(dir), de->d_name, dev, err) < 0)
            return husk_error_wrap(err, "in %s", name);
    }
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return husk_error_set_errno(err, errno, "removing directory %s", name);
    return 0;
}

int runtime_remove_tree(const char *path, husk_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : husk_error_set_errno(err, errno, "stat %s", path);
    return remove_at(AT_FDCWD, path, st.st_dev, err);
}
