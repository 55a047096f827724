/* Path resolution inside a layer root; see safepath.h. */
#include "image/safepath.h"
#include "base/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

bool image_safepath_force_fallback = false;

int image_safepath_clean(const char *path, char **ret_clean, husk_error *err)
{
    size_t n = strlen(path);
    if (n >= PATH_MAX)
        return husk_error_set(err, ENAMETOOLONG, "layer entry path is longer than %d bytes", PATH_MAX);
    char *out = malloc(n + 1);
    if (out == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    size_t len = 0;
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t c = (size_t)(end - p);
        if (c == 2 && p[0] == '.' && p[1] == '.') {
            free(out);
            return husk_error_set(err, EPERM, "layer entry \"%s\" has a \"..\" component", path);
        }
        if (c > 0 && !(c == 1 && p[0] == '.')) {
            if (len > 0)
                out[len++] = '/';
            memcpy(out + len, p, c);
            len += c;
        }
        p = end;
    }
    out[len] = '\0';
    *ret_clean = out;
    return 0;
}

static int openat2_in_root(int rootfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    if (image_safepath_force_fallback) {
        errno = ENOSYS;
        return -1;
    }
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* The fallback: one component at a time, never following a symlink. */
static int walk_nofollow(int rootfd, const char *path, int flags, bool create, husk_error *err)
{
    cleanup_close int cur = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return husk_error_set_errno(err, errno, "opening the layer root");
    const char *p = path;
    while (*p != '\0') {
        const char *end = strchrnul(p, '/');
        char comp[256];
        size_t c = (size_t)(end - p);
        if (c >= sizeof comp)
            return husk_error_set(err, ENAMETOOLONG, "layer path component too long in \"%s\"", path);
        memcpy(comp, p, c);
        comp[c] = '\0';
        bool last = *end == '\0';
        int f = last ? flags : O_RDONLY | O_DIRECTORY;
        int next = openat(cur, comp, f | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create && (!last || (flags & O_DIRECTORY))) {
            if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
                return husk_error_set_errno(err, errno, "creating directory \"%s\" in the layer", comp);
            next = openat(cur, comp, f | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0 && (errno == ELOOP || errno == ENOTDIR))
            return husk_error_set(err, ELOOP, "layer path \"%s\" goes through a symlink or non-directory",
                                  path);
        if (next < 0)
            return husk_error_set_errno(err, errno, "resolving \"%s\" in the layer", path);
        close(cur);
        cur = next;
        p = last ? end : end + 1;
    }
    return steal_fd(&cur);
}

/* Opens the directory `dir` (a cleaned path, "" for the root) inside the root, creating it if asked. */
static int open_dir_in_root(int rootfd, const char *dir, bool create, husk_error *err)
{
    const char *path = dir[0] == '\0' ? "." : dir;
    int fd = openat2_in_root(rootfd, path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0)
        return fd;
    if (errno == ENOSYS)
        return walk_nofollow(rootfd, dir, O_RDONLY | O_DIRECTORY, create, err);
    if (errno != ENOENT || !create)
        return husk_error_set_errno(err, errno, "resolving directory \"%s\" in the layer", dir);
    /* Make the missing parent first, then this directory inside the resolved parent. */
    char *copy = strdup(dir);
    if (copy == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    char *slash = strrchr(copy, '/');
    if (slash != NULL)
        *slash = '\0';
    int parent = open_dir_in_root(rootfd, slash ? copy : "", true, err);
    int made = parent < 0 ? -1 : mkdirat(parent, slash ? slash + 1 : copy, 0755);
    int saved = errno;
    free(copy);
    if (parent >= 0)
        close(parent);
    if (parent < 0)
        return -1;
    if (made < 0 && saved != EEXIST)
        return husk_error_set_errno(err, saved, "creating directory \"%s\" in the layer", dir);
    fd = openat2_in_root(rootfd, path, O_RDONLY | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT)
        return husk_error_set(err, ENOENT, "directory \"%s\" in the layer is a dangling symlink", dir);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "resolving directory \"%s\" in the layer", dir);
    return fd;
}

int image_safepath_open_parent(int rootfd, const char *clean, bool create, const char **ret_base,
                               husk_error *err)
{
    if (clean[0] == '\0')
        return husk_error_set(err, EINVAL, "a layer entry names the root directory itself");
    const char *slash = strrchr(clean, '/');
    char *dir = strndup(clean, slash ? (size_t)(slash - clean) : 0);
    if (dir == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    int fd = open_dir_in_root(rootfd, dir, create, err);
    free(dir);
    if (fd < 0)
        return -1;
    *ret_base = slash ? slash + 1 : clean;
    return fd;
}

int image_safepath_open(int rootfd, const char *clean, int flags, husk_error *err)
{
    const char *path = clean[0] == '\0' ? "." : clean;
    int fd = openat2_in_root(rootfd, path, flags);
    if (fd < 0 && errno == ENOSYS)
        return walk_nofollow(rootfd, clean, flags, false, err);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "resolving \"%s\" in the layer", clean);
    return fd;
}
