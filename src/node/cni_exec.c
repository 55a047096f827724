/* Running one CNI plugin: found by its type in the plugin dirs (a type is a file name, never a path),
 * spawned with the CNI environment, its config written to stdin and its stdout read back, under a time
 * limit. posix_spawn, because the daemon is multi-threaded. */
#include "node/cni.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PLUGIN_TIMEOUT_MS 60000
#define OUTPUT_MAX        (1 << 20)

static int find_plugin(const char *bin_path, const char *type, char *out, size_t size, husk_error *err)
{
    if (type[0] == '\0' || type[0] == '.' || strchr(type, '/') != NULL)
        return husk_error_set(err, EINVAL, "plugin type \"%s\" is not a plugin name", type);
    for (const char *dir = bin_path; *dir != '\0';) {
        size_t len = strcspn(dir, ":");
        if (len > 0 && (size_t)snprintf(out, size, "%.*s/%s", (int)len, dir, type) < size &&
            access(out, X_OK) == 0)
            return 0;
        dir += len + (dir[len] == ':');
    }
    return husk_error_set(err, ENOENT, "failed to find plugin \"%s\" in path [%s]", type, bin_path);
}

/* Feeds config to in_fd and collects out_fd until EOF or the deadline; -1 on timeout or overflow. */
static int exchange(int in_fd, int out_fd, const char *config, char **ret_out, size_t *ret_len)
{
    size_t to_write = strlen(config), written = 0, len = 0, cap = 4096;
    char *out = malloc(cap);
    if (out == NULL)
        return -1;
    int64_t deadline = husk_now_ms() + PLUGIN_TIMEOUT_MS;
    while (out_fd >= 0) {
        struct pollfd p[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
        int64_t left = deadline - husk_now_ms();
        if (left <= 0 || poll(p, in_fd >= 0 ? 2 : 1, (int)left) < 0) {
            if (left > 0 && errno == EINTR)
                continue;
            free(out);
            return -1;
        }
        if (in_fd >= 0 && p[1].revents != 0) {
            ssize_t n = write(in_fd, config + written, to_write - written);
            if (n > 0)
                written += (size_t)n;
            if (n < 0 || written == to_write) {
                close(in_fd);
                in_fd = -1;
            }
        }
        if (p[0].revents == 0)
            continue;
        if (len + 4096 > cap) {
            char *bigger = cap < OUTPUT_MAX ? realloc(out, cap *= 2) : NULL;
            if (bigger == NULL) {
                free(out);
                return -1;
            }
            out = bigger;
        }
        ssize_t n = read(out_fd, out + len, cap - len - 1);
        if (n > 0)
            len += (size_t)n;
        else if (n == 0 || errno != EINTR)
            out_fd = -1;
    }
    if (in_fd >= 0)
        close(in_fd);
    out[len] = '\0';
    *ret_out = out;
    *ret_len = len;
    return 0;
}

/* A failed plugin's stdout is a CNI error: {"code": N, "msg": "...", "details": "..."}. */
static int plugin_error(const char *type, const char *out, int status, husk_error *err)
{
    json_t *e = json_loads(out, 0, NULL);
    const char *msg = json_string_value(json_object_get(e, "msg"));
    const char *details = json_string_value(json_object_get(e, "details"));
    int r;
    if (msg != NULL && details != NULL && details[0] != '\0')
        r = husk_error_set(err, EIO, "plugin %s: %s (%s)", type, msg, details);
    else if (msg != NULL)
        r = husk_error_set(err, EIO, "plugin %s: %s", type, msg);
    else if (WIFSIGNALED(status))
        r = husk_error_set(err, EIO, "plugin %s: killed by signal %d", type, WTERMSIG(status));
    else
        r = husk_error_set(err, EIO, "plugin %s: exited %d: %.200s", type, WEXITSTATUS(status), out);
    json_decref(e);
    return r;
}

static int spawn(const char *path, const char *const *env, int in_fd, int out_fd, pid_t *ret_pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    char *argv[] = {(char *)path, NULL};
    int r = posix_spawn(ret_pid, path, &actions, NULL, argv, (char *const *)env);
    posix_spawn_file_actions_destroy(&actions);
    return r;
}

int node_cni_exec(const char *bin_path, const char *type, const char *const *env, const char *config,
                  json_t **ret_output, husk_error *err)
{
    char path[4096];
    if (find_plugin(bin_path, type, path, sizeof path, err) < 0)
        return -1;
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "pipe");
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return husk_error_set_errno(err, errno, "pipe");
    }
    pid_t pid;
    int r = spawn(path, env, in[0], out[1], &pid);
    close(in[0]);
    close(out[1]);
    cleanup_close int out_fd = out[0];
    if (r != 0) {
        close(in[1]);
        return husk_error_set_errno(err, r, "running plugin %s", path);
    }
    signal(SIGPIPE, SIG_IGN); /* a plugin that exits without reading its config */
    char *output = NULL;
    size_t len = 0;
    bool timed_out = exchange(in[1], out_fd, config, &output, &len) < 0;
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    r = 0;
    if (timed_out)
        r = husk_error_set(err, ETIMEDOUT, "plugin %s: no answer within %d s", type,
                           PLUGIN_TIMEOUT_MS / 1000);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        r = plugin_error(type, output, status, err);
    else if (len > 0) {
        json_error_t jerr;
        *ret_output = json_loads(output, 0, &jerr);
        if (*ret_output == NULL)
            r = husk_error_set(err, EIO, "plugin %s: its result is not JSON: %s", type, jerr.text);
    } else {
        *ret_output = NULL;
    }
    free(output);
    return r;
}
