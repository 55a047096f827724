/* The cgroup backend choice and the helpers both backends share; see cgroup.h. */
#include "runtime/cgroup.h"

#include "base/cleanup.h"
#include "runtime/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

int runtime_cgroup_manager_get(const struct runtime_cgroup_manager **ret_manager, husk_error *err)
{
    struct statfs fs;
    if (statfs("/sys/fs/cgroup", &fs) < 0)
        return husk_error_set_errno(err, errno, "probing /sys/fs/cgroup");
    if (fs.f_type == CGROUP2_SUPER_MAGIC) {
        *ret_manager = &runtime_cgroup_v2;
        return 0;
    }
    /* Hybrid and legacy hosts: a tmpfs of per-controller v1 mounts. A cgroup2 mount at .../unified that
     * holds no controllers (only hugetlb here) is of no use to us, so it is not consulted at all. */
    if (statfs("/sys/fs/cgroup/memory", &fs) < 0 || fs.f_type != CGROUP_SUPER_MAGIC)
        return husk_error_set(err, ENOTSUP, "no cgroup2 at /sys/fs/cgroup and no v1 memory controller");
    *ret_manager = &runtime_cgroup_v1;
    return 0;
}

int runtime_cgroup_write(const char *dir, const char *file, const char *value, husk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", path);
    size_t len = strlen(value);
    if (write(fd, value, len) != (ssize_t)len)
        return husk_error_set_errno(err, errno, "writing '%s' to %s", value, path);
    return 0;
}

int runtime_cgroup_read_key(const char *dir, const char *file, const char *key, long *ret_value,
                            husk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cleanup_free char *text = NULL;
    if (runtime_read_file(path, 65536, &text, err) < 0)
        return -1;
    size_t key_len = strlen(key);
    for (char *line = text; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (strncmp(line, key, key_len) == 0 && line[key_len] == ' ') {
            *ret_value = strtol(line + key_len + 1, NULL, 10);
            return 0;
        }
        line = next != NULL ? next + 1 : NULL;
    }
    return husk_error_set(err, ENOENT, "no '%s' in %s", key, path);
}

/* Sends SIGKILL to the processes of one cgroup; returns how many were listed. */
static int kill_listed(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    cleanup_fclose FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    int count = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        if (pid > 0)
            kill((pid_t)pid, SIGKILL);
        count++;
    }
    return count;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Calls fn on each child cgroup directory of dir. */
static int for_each_child(const char *dir, int (*fn)(const char *, husk_error *), husk_error *err)
{
    cleanup_closedir DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : husk_error_set_errno(err, errno, "opening %s", dir);
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", dir, de->d_name);
        if (fn(child, err) < 0)
            return -1;
    }
    return 0;
}

int runtime_cgroup_remove_dir(const char *dir, husk_error *err)
{
    if (for_each_child(dir, runtime_cgroup_remove_dir, err) < 0)
        return -1;
    /* A killed process leaves its cgroup a moment after SIGKILL; wait for it (about 10 s in all). */
    for (int i = 0; i < 1000; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return husk_error_set_errno(err, errno, "removing cgroup %s", dir);
        kill_listed(dir);
        sleep_ms(i < 20 ? 1 : 10);
    }
    return husk_error_set(err, EBUSY, "removing cgroup %s: processes are still in it", dir);
}

static int kill_tree(const char *dir, husk_error *err)
{
    if (for_each_child(dir, kill_tree, err) < 0)
        return -1;
    /* A process may fork while we read the list; a pids limit bounds how long this can go on. */
    for (int i = 0; i < 100 && kill_listed(dir) > 0; i++)
        sleep_ms(1);
    return 0;
}

int runtime_cgroup_kill_and_remove(const char *dir, husk_error *err)
{
    if (kill_tree(dir, err) < 0)
        return -1;
    return runtime_cgroup_remove_dir(dir, err);
}

int runtime_cgroup_dir_populated(const char *dir, bool *ret_populated, husk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        *ret_populated = false;
        return errno == ENOENT ? 0 : husk_error_set_errno(err, errno, "opening %s", path);
    }
    long pid;
    bool has_process = fscanf(f, "%ld", &pid) == 1;
    fclose(f);
    if (has_process) {
        *ret_populated = true;
        return 0;
    }
    cleanup_closedir DIR *d = opendir(dir);
    for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", dir, de->d_name);
        if (runtime_cgroup_dir_populated(child, ret_populated, err) < 0)
            return -1;
        if (*ret_populated)
            return 0;
    }
    *ret_populated = false;
    return 0;
}
