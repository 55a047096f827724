/* See fs.h. */
#include "base/fs.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int husk_mkdir_p(const char *path, mode_t mode, husk_error *err)
{
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
