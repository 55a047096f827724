/* Safe layer unpacking; see unpack.h. The compressed stream is decoded by one libarchive reader in "raw"
 * mode, whose output is hashed (the diff ID) and fed to a second reader that parses the tar: one pass,
 * and the hash covers exactly the bytes that were unpacked. */
#include "image/unpack.h"
#include "base/cleanup.h"
#include "base/crashpoint.h"
#include "image/files.h"
#include "image/safepath.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

struct pump {
    struct archive *outer;
    struct image_hasher *hasher;
    char buf[1 << 16];
};

static la_ssize_t pump_read(struct archive *inner, void *data, const void **ret_buf)
{
    (void)inner;
    struct pump *p = data;
    la_ssize_t n = archive_read_data(p->outer, p->buf, sizeof p->buf);
    if (n > 0)
        image_hasher_update(p->hasher, p->buf, (size_t)n);
    *ret_buf = p->buf;
    return n;
}

struct unpack {
    int rootfd;
    bool privileged; /* root: owners, device nodes and trusted.* xattrs can be set */
};

static int set_xattrs(int fd, struct archive_entry *e, const char *path, husk_error *err)
{
    const char *name;
    const void *value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        /* overlayfs metadata from a layer could redirect lookups or fake whiteouts in the merged
         * view; only this unpacker may write it (containerd drops it the same way). */
        if (strncmp(name, "trusted.overlay.", 16) == 0)
            continue;
        if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP)
            return husk_error_set_errno(err, errno, "setting xattr %s on \"%s\"", name, path);
    }
    return 0;
}

/* Owner, mode, xattrs and modification time of a file or directory opened as fd. */
static int set_metadata_fd(const struct unpack *u, int fd, struct archive_entry *e, const char *path,
                           husk_error *err)
{
    if (u->privileged && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
        return husk_error_set_errno(err, errno, "changing the owner of \"%s\"", path);
    /* After chown, which clears setuid/setgid bits. */
    if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
        return husk_error_set_errno(err, errno, "changing the mode of \"%s\"", path);
    if (set_xattrs(fd, e, path, err) < 0)
        return -1;
    if (archive_entry_filetype(e) == AE_IFREG) {
        struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                                 {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
        futimens(fd, ts);
    }
    return 0;
}

static int write_data(struct archive *a, int fd, struct archive_entry *e, const char *path, husk_error *err)
{
    const void *buf;
    size_t size;
    la_int64_t offset;
    int r;
    while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
        const char *p = buf;
        while (size > 0) {
            ssize_t n = pwrite(fd, p, size, (off_t)offset);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return husk_error_set_errno(err, errno, "writing \"%s\"", path);
            p += n;
            size -= (size_t)n;
            offset += n;
        }
    }
    if (r != ARCHIVE_EOF)
        return husk_error_set(err, EIO, "reading \"%s\" from the layer: %s", path, archive_error_string(a));
    if (ftruncate(fd, (off_t)archive_entry_size(e)) < 0)
        return husk_error_set_errno(err, errno, "sizing \"%s\"", path);
    return 0;
}

static int create_regular(const struct unpack *u, struct archive *a, int parent, const char *base,
                          struct archive_entry *e, const char *path, husk_error *err)
{
    cleanup_close int fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "creating \"%s\"", path);
    if (write_data(a, fd, e, path, err) < 0)
        return -1;
    return set_metadata_fd(u, fd, e, path, err);
}

static int create_directory(const struct unpack *u, int parent, const char *base, struct archive_entry *e,
                            const char *path, husk_error *err)
{
    if (mkdirat(parent, base, 0755) < 0 && errno != EEXIST)
        return husk_error_set_errno(err, errno, "creating directory \"%s\"", path);
    cleanup_close int fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening directory \"%s\"", path);
    return set_metadata_fd(u, fd, e, path, err);
}

static int create_symlink(const struct unpack *u, int parent, const char *base, struct archive_entry *e,
                          const char *path, husk_error *err)
{
    const char *target = archive_entry_symlink(e);
    if (target == NULL || target[0] == '\0')
        return husk_error_set(err, EINVAL, "symlink \"%s\" has no target", path);
    /* The target is stored as is: it is only ever followed inside a container's root, or by this
     * unpacker through openat2(RESOLVE_IN_ROOT). */
    if (symlinkat(target, parent, base) < 0)
        return husk_error_set_errno(err, errno, "creating symlink \"%s\"", path);
    if (u->privileged && fchownat(parent, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                                  AT_SYMLINK_NOFOLLOW) < 0)
        return husk_error_set_errno(err, errno, "changing the owner of \"%s\"", path);
    struct timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
    utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
}

static int create_node(const struct unpack *u, int parent, const char *base, struct archive_entry *e,
                       const char *path, husk_error *err)
{
    mode_t type = archive_entry_filetype(e) == AE_IFCHR   ? S_IFCHR
                  : archive_entry_filetype(e) == AE_IFBLK ? S_IFBLK
                                                          : S_IFIFO;
    dev_t dev = type == S_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    if (mknodat(parent, base, type | 0600, dev) < 0)
        return husk_error_set_errno(err, errno, "creating device or fifo \"%s\"%s", path,
                                    u->privileged ? "" : " (needs root)");
    cleanup_close int fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening \"%s\"", path);
    if (u->privileged && fchownat(fd, "", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                                  AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        return husk_error_set_errno(err, errno, "changing the owner of \"%s\"", path);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (chmod(proc, archive_entry_perm(e) & 07777) < 0)
        return husk_error_set_errno(err, errno, "changing the mode of \"%s\"", path);
    return 0;
}

static int create_hardlink(const struct unpack *u, int parent, const char *base, struct archive_entry *e,
                           const char *path, husk_error *err)
{
    (void)u;
    cleanup_free char *target = NULL;
    if (image_safepath_clean(archive_entry_hardlink(e), &target, err) < 0)
        return husk_error_wrap(err, "hard link \"%s\"", path);
    const char *target_base;
    /* The target is looked up inside the root, so a link can never reach a file outside it. */
    cleanup_close int target_parent = image_safepath_open_parent(u->rootfd, target, false, &target_base, err);
    if (target_parent < 0)
        return husk_error_wrap(err, "hard link \"%s\" to \"%s\"", path, target);
    if (linkat(target_parent, target_base, parent, base, 0) < 0)
        return husk_error_set_errno(err, errno, "hard link \"%s\" to \"%s\"", path, target);
    return 0;
}

static int apply_whiteout(int parent, const char *base, const char *path, husk_error *err)
{
    if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
        if (fsetxattr(parent, "trusted.overlay.opaque", "y", 1, 0) < 0)
            return husk_error_set_errno(err, errno, "marking the directory of \"%s\" opaque", path);
        return 0;
    }
    const char *name = base + strlen(WHITEOUT_PREFIX);
    if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
        return husk_error_set(err, EINVAL, "invalid whiteout \"%s\" in the layer", path);
    if (image_remove_tree_at(parent, name, err) < 0)
        return -1;
    if (mknodat(parent, name, S_IFCHR | 0, makedev(0, 0)) < 0)
        return husk_error_set_errno(err, errno, "creating the whiteout for \"%s\"", path);
    return 0;
}

/* Clears the way for a new entry: a later entry replaces an earlier one, but a directory stays a
 * directory when the new entry is one too (its contents are kept, as tar does). */
static int replace_existing(int parent, const char *base, bool new_is_dir, husk_error *err)
{
    struct stat st;
    if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (new_is_dir && S_ISDIR(st.st_mode))
        return 0;
    return image_remove_tree_at(parent, base, err);
}

static int apply_entry(const struct unpack *u, struct archive *a, struct archive_entry *e, husk_error *err)
{
    cleanup_free char *path = NULL;
    if (image_safepath_clean(archive_entry_pathname(e), &path, err) < 0)
        return -1;
    if (path[0] == '\0') /* the root itself ("./"): nothing to create */
        return 0;
    const char *base;
    cleanup_close int parent = image_safepath_open_parent(u->rootfd, path, true, &base, err);
    if (parent < 0)
        return -1;
    if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
        return apply_whiteout(parent, base, path, err);
    unsigned type = archive_entry_filetype(e);
    if (replace_existing(parent, base, type == AE_IFDIR && archive_entry_hardlink(e) == NULL, err) < 0)
        return -1;
    if (archive_entry_hardlink(e) != NULL)
        return create_hardlink(u, parent, base, e, path, err);
    switch (type) {
    case AE_IFREG:
        return create_regular(u, a, parent, base, e, path, err);
    case AE_IFDIR:
        return create_directory(u, parent, base, e, path, err);
    case AE_IFLNK:
        return create_symlink(u, parent, base, e, path, err);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        return create_node(u, parent, base, e, path, err);
    default:
        return husk_error_set(err, EINVAL, "unsupported file type of \"%s\" in the layer", path);
    }
}

static int unpack_entries(const struct unpack *u, struct archive *inner, husk_error *err)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(inner, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (apply_entry(u, inner, e, err) < 0)
            return -1;
        husk_crash_point("unpack-layer");
    }
    if (r != ARCHIVE_EOF)
        return husk_error_set(err, EIO, "reading the layer tar: %s", archive_error_string(inner));
    return 0;
}

static int open_outer(struct archive *outer, int fd, husk_error *err)
{
    struct archive_entry *e;
    archive_read_support_filter_all(outer);
    archive_read_support_format_raw(outer);
    if (archive_read_open_fd(outer, fd, 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(outer, &e) != ARCHIVE_OK)
        return husk_error_set(err, EIO, "opening the layer stream: %s", archive_error_string(outer));
    return 0;
}

int image_unpack_layer(int fd, int rootfd, char ret_diff_id[IMAGE_DIGEST_STRING_SIZE], husk_error *err)
{
    struct unpack u = {.rootfd = rootfd, .privileged = geteuid() == 0};
    struct pump *p = calloc(1, sizeof *p);
    if (p == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    p->outer = archive_read_new();
    p->hasher = image_hasher_new();
    struct archive *inner = archive_read_new();
    int rc = -1;
    if (p->outer == NULL || p->hasher == NULL || inner == NULL) {
        husk_error_set(err, ENOMEM, "out of memory");
        goto out;
    }
    if (open_outer(p->outer, fd, err) < 0)
        goto out;
    archive_read_support_format_tar(inner);
    if (archive_read_open(inner, p, NULL, pump_read, NULL) != ARCHIVE_OK) {
        husk_error_set(err, EIO, "reading the layer tar: %s", archive_error_string(inner));
        goto out;
    }
    if (unpack_entries(&u, inner, err) < 0)
        goto out;
    /* The rest of the stream (tar padding after the end marker) is part of the diff ID too. */
    const void *buf;
    la_ssize_t n;
    while ((n = pump_read(inner, p, &buf)) > 0)
        continue;
    if (n < 0) {
        husk_error_set(err, EIO, "reading the layer stream: %s", archive_error_string(p->outer));
        goto out;
    }
    image_hasher_final(p->hasher, ret_diff_id);
    rc = 0;
out:
    archive_read_free(inner);
    archive_read_free(p->outer);
    image_hasher_free(p->hasher);
    free(p);
    return rc;
}
