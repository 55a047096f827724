/* Rotation of a container's log by its writer, the supervisor. The kubelet rotates from outside every
 * 10 s (pkg/kubelet/logs/container_log_manager.go: rename, then ReopenContainerLog), which lets a container
 * that prints as fast as it can run far past containerLogMaxSize in between; the writer knows the size
 * after each record, so the bound holds. The names and the count are the kubelet's: N.log is renamed to
 * N.log.YYYYMMDD-HHMMSS (by a hard link and a new file renamed over N.log, so that the name never
 * goes missing for a reader), and the node agent gzips the older rotated files (src/node/container_logs.c).
 */
#include "runtime/crilog.h"

#include "base/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest LOG.* files until keep remain (their names sort by their timestamps). */
static void remove_oldest(const char *dir, const char *base, size_t keep)
{
    cleanup_closedir DIR *d = opendir(dir);
    if (d == NULL)
        return;
    size_t base_len = strlen(base), count = 0, capacity = 0;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        /* Not the node's compression in progress (.tmp) nor our own new file (.new). */
        if (strncmp(e->d_name, base, base_len) != 0 || e->d_name[base_len] != '.' ||
            (len > 4 &&
             (strcmp(e->d_name + len - 4, ".tmp") == 0 || strcmp(e->d_name + len - 4, ".new") == 0)))
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            char **grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL)
                break;
            names = grown;
        }
        if ((names[count] = strdup(e->d_name)) != NULL)
            count++;
    }
    if (count > 1)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        if (i + keep < count) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            unlink(path);
        }
        free(names[i]);
    }
    free(names);
}

int runtime_log_rotate(const char *log_path, int max_files)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", log_path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    /* With the new live file, max_files in all: max_files - 1 rotated ones, this one among them. */
    remove_oldest(dir, slash + 1, max_files > 2 ? (size_t)max_files - 2 : 0);
    char stamp[32], rotated[4200];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(rotated, sizeof rotated, "%s.%s", log_path, stamp);
    /* A second rotation within the same second replaces the first's file, as the kubelet's rename does. */
    unlink(rotated);
    if (link(log_path, rotated) < 0)
        return rename(log_path, rotated);
    /* LOG never goes missing for a reader: a new empty file is renamed over it. */
    char fresh[4300];
    snprintf(fresh, sizeof fresh, "%s.new", log_path);
    int fd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return unlink(log_path);
    close(fd);
    return rename(fresh, log_path);
}
