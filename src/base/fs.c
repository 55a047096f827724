/* See fs.h. */
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int husk_mkdir_p(const char *path, mode_t mode, husk_error *err)
{
    /* Mostly the parent is there (and often the dir): one mkdir, not one per level from the root (each an
     * EEXIST under its parent's lock, a dozen for a pod's dirs). */
    if (path[0] == '\0')
        return husk_error_set(err, ENOENT, "creating a directory: no path");
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return husk_error_set_errno(err, errno, "creating directory %s", path);
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
        return husk_error_set(err, ENAMETOOLONG, "path too long: %s", path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, saved == '\0' ? mode : 0755) < 0 && errno != EEXIST)
            return husk_error_set_errno(err, errno, "creating directory %s", buf);
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

void husk_write_strings(int fd, const char *const *parts)
{
    struct iovec iov[8];
    int n = 0;
    for (; n < 8 && parts[n] != NULL; n++)
        iov[n] = (struct iovec){(void *)parts[n], strlen(parts[n])};
    ssize_t ignored = writev(fd, iov, n);
    (void)ignored;
}

int husk_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Why: in one block group, every new inode of a pod (state files, overlay dirs, logs) is found by a scan
 * that, on ext4 without a journal, steps over each inode deleted in the last seconds, under the parent
 * directory's lock; with pods coming and going that scan took a quarter of a pod burst's CPU. */
bool husk_mark_top_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int flags = 0; /* the kernel reads and writes an int, whatever the ioctl's name says */
    bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok && (flags & FS_TOPDIR_FL) == 0) {
        flags |= FS_TOPDIR_FL;
        ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    close(fd);
    return ok;
}

int husk_set_aside(const char *path, const char *suffix, char *ret_path, size_t size, husk_error *err)
{
    char stamp[32], from[4200], to[4200];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(from, sizeof from, "%s%s", path, suffix);
    if ((size_t)snprintf(to, sizeof to, "%s.corrupt-%s%s", path, stamp, suffix) >= sizeof to)
        return husk_error_set(err, ENAMETOOLONG, "path too long: %s", path);
    if (rename(from, to) < 0)
        return husk_error_set_errno(err, errno, "setting %s aside as %s", from, to);
    if (ret_path != NULL)
        snprintf(ret_path, size, "%s", to);
    return 0;
}

bool husk_program_path(const char *env_name, const char *program, char *out, size_t size)
{
    const char *env = getenv(env_name);
    if (env != NULL && env[0] != '\0') {
        snprintf(out, size, "%s", env);
        return access(out, X_OK) == 0;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        snprintf(out, size, "%s/%s", dirname(self), program);
        if (access(out, X_OK) == 0)
            return true;
    }
    snprintf(out, size, "/usr/local/bin/%s", program);
    return access(out, X_OK) == 0;
}

int husk_replace_file(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno != ENOENT && errno != EINVAL)
        return -1;
    return rename(tmp, path);
}
