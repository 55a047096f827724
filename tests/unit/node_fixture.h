/* What the node tests share: a janitor that, once the test process is gone (passed, failed or timed
 * out), removes every pod the test left under its data dir, its cgroups and the dir itself, since pods
 * outlive the process that made them by design. */
#ifndef HUSK_TESTS_NODE_FIXTURE_H
#define HUSK_TESTS_NODE_FIXTURE_H

#include "harness.h"
#include "runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>

static inline void node_fixture_janitor(const char *data_dir, const char *cgroup_parent)
{
    int fds[2];
    CHECK(pipe2(fds, O_CLOEXEC) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid > 0) {
        close(fds[0]);
        return; /* fds[1] stays open until the test process ends */
    }
    setsid();
    close(fds[1]);
    /* Let go of the runner's pipes, so it does not wait for the clean-up. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    char byte;
    while (read(fds[0], &byte, 1) != 0 && errno == EINTR)
        ;
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/pods/*/sandbox", data_dir);
    glob_t found = {0};
    glob(pattern, 0, NULL, &found);
    for (size_t i = 0; i < found.gl_pathc; i++) {
        struct runtime_sandbox *s = NULL;
        husk_error err = {0};
        if (runtime_sandbox_open(found.gl_pathv[i], &s, &err) == 0) {
            runtime_sandbox_remove(s, &err);
            runtime_sandbox_free(s);
        }
    }
    globfree(&found);
    snprintf(pattern, sizeof pattern, "/sys/fs/cgroup/*/%s", cgroup_parent);
    glob(pattern, 0, NULL, &found);
    for (size_t i = 0; i < found.gl_pathc; i++)
        rmdir(found.gl_pathv[i]);
    globfree(&found);
    snprintf(pattern, sizeof pattern, "/sys/fs/cgroup/%s", cgroup_parent);
    rmdir(pattern);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
    if (system(cmd) != 0)
        _exit(1);
    _exit(0);
}

#endif
