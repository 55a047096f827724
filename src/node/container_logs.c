/* The kubelet's container log manager, the part that runs beside the writer (the supervisor rotates a
 * log when it reaches containerLogMaxSize, src/runtime/log_rotate.c): every housekeeping pass gzips the
 * rotated logs but the newest (N.log.20241126-120000 -> N.log.20241126-120000.gz, as
 * pkg/kubelet/logs/container_log_manager.go compressLogs) and removes the oldest beyond
 * containerLogMaxFiles. Files are DATA_DIR/logs/POD/CONTAINER/N.log*. */
#include "node/container_logs.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Deflates everything left in the stream into out; flush is Z_NO_FLUSH while there is input. */
static int deflate_to(z_stream *z, int flush, int out)
{
    unsigned char buf[65536];
    do {
        z->next_out = buf;
        z->avail_out = sizeof buf;
        int rc = deflate(z, flush);
        if (rc == Z_STREAM_ERROR)
            return -1;
        if (husk_write_all(out, buf, sizeof buf - z->avail_out) < 0)
            return -1;
    } while (z->avail_out == 0);
    return 0;
}

/* A gzip member (RFC 1952) of the whole of in, as gzip(1) writes it: zlib with windowBits 15 + 16. */
static int write_gzip(int in, const char *out_path)
{
    cleanup_close int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    z_stream z = {0};
    if (out < 0 ||
        deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    unsigned char buf[65536];
    ssize_t n;
    int r = 0;
    while (r == 0 && (n = read(in, buf, sizeof buf)) > 0) {
        z.next_in = buf;
        z.avail_in = (uInt)n;
        r = deflate_to(&z, Z_NO_FLUSH, out);
    }
    if (r == 0 && n == 0)
        r = deflate_to(&z, Z_FINISH, out);
    else
        r = -1;
    deflateEnd(&z);
    return r;
}

/* PATH -> PATH.gz, written to a temporary name first so a reader never sees half an archive. */
static void compress_file(const char *dir, const char *name)
{
    char path[4200], tmp[4300], gz[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(gz, sizeof gz, "%s.gz", path);
    cleanup_close int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return;
    if (write_gzip(in, tmp) < 0 || rename(tmp, gz) < 0) {
        log_warn("compressing the log %s failed", path);
        unlink(tmp);
        return;
    }
    unlink(path);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rotated files of LIVE (LIVE.*, but not the writer's or our temporaries), sorted oldest first. */
static size_t rotated_of(char **names, size_t count, const char *live, char **out)
{
    size_t n = 0, len = strlen(live);
    for (size_t i = 0; i < count; i++)
        if (strncmp(names[i], live, len) == 0 && names[i][len] == '.' && !ends_with(names[i], ".tmp") &&
            !ends_with(names[i], ".new"))
            out[n++] = names[i];
    if (n > 1)
        qsort(out, n, sizeof *out, compare_names);
    return n;
}

static void housekeep_instance(const char *dir, char **names, size_t count, const char *live, int max_files)
{
    char **rotated = calloc(count ? count : 1, sizeof *rotated);
    if (rotated == NULL)
        return;
    size_t n = rotated_of(names, count, live, rotated);
    size_t keep = max_files > 1 ? (size_t)max_files - 1 : 1;
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, rotated[i]);
        if (i + keep < n)
            unlink(path);
        else if (i + 1 < n && !ends_with(rotated[i], ".gz"))
            compress_file(dir, rotated[i]);
    }
    free(rotated);
}

static void housekeep_container(const char *dir, int max_files)
{
    cleanup_closedir DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            char **grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL)
                break;
            names = grown;
        }
        if ((names[count] = strdup(e->d_name)) != NULL)
            count++;
    }
    for (size_t i = 0; i < count; i++)
        if (ends_with(names[i], ".log"))
            housekeep_instance(dir, names, count, names[i], max_files);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

void node_container_logs_housekeep(const char *logs_dir, int max_files)
{
    cleanup_closedir DIR *pods = opendir(logs_dir);
    struct dirent *p;
    while (pods != NULL && (p = readdir(pods)) != NULL) {
        if (p->d_name[0] == '.')
            continue;
        char pod_dir[2000];
        snprintf(pod_dir, sizeof pod_dir, "%s/%s", logs_dir, p->d_name);
        cleanup_closedir DIR *containers = opendir(pod_dir);
        struct dirent *c;
        while (containers != NULL && (c = readdir(containers)) != NULL) {
            if (c->d_name[0] == '.')
                continue;
            char container_dir[3000];
            snprintf(container_dir, sizeof container_dir, "%s/%s", pod_dir, c->d_name);
            housekeep_container(container_dir, max_files);
        }
    }
}
