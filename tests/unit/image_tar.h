/* Writing small tar files for the image tests with libarchive's writer: regular files, directories,
 * symlinks, hard links and devices, plain, gzip or zstd. Hostile layers are built from these too. */
#ifndef HUSK_TESTS_IMAGE_TAR_H
#define HUSK_TESTS_IMAGE_TAR_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

enum tar_kind { TAR_FILE, TAR_DIR, TAR_SYMLINK, TAR_HARDLINK, TAR_CHAR };

struct tar_item {
    enum tar_kind kind;
    const char *path;
    const char *data; /* file contents, or link target */
    int mode;         /* 0: a default */
};

/* Writes items to path with filter "none", "gzip" or "zstd"; returns 0 or -1. */
static inline int tar_write(const char *path, const char *filter, const struct tar_item *items, size_t n)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (strcmp(filter, "gzip") == 0)
        archive_write_add_filter_gzip(a);
    else if (strcmp(filter, "zstd") == 0)
        archive_write_add_filter_zstd(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, items[i].path);
        archive_entry_set_mtime(e, 1700000000, 0);
        size_t len = 0;
        switch (items[i].kind) {
        case TAR_FILE:
            len = items[i].data ? strlen(items[i].data) : 0;
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, items[i].mode ? items[i].mode : 0644);
            archive_entry_set_size(e, (la_int64_t)len);
            break;
        case TAR_DIR:
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, items[i].mode ? items[i].mode : 0755);
            break;
        case TAR_SYMLINK:
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, items[i].data);
            break;
        case TAR_HARDLINK:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_hardlink(e, items[i].data);
            break;
        case TAR_CHAR:
            archive_entry_set_filetype(e, AE_IFCHR);
            archive_entry_set_perm(e, 0666);
            archive_entry_set_rdevmajor(e, 1);
            archive_entry_set_rdevminor(e, 3);
            break;
        }
        int r = archive_write_header(a, e);
        if (r == ARCHIVE_OK && len > 0 && archive_write_data(a, items[i].data, len) != (la_ssize_t)len)
            r = ARCHIVE_FATAL;
        archive_entry_free(e);
        if (r != ARCHIVE_OK) {
            archive_write_free(a);
            return -1;
        }
    }
    archive_write_close(a);
    archive_write_free(a);
    return 0;
}

#endif
