/* Unit tests for the fault-injection points (src/base/crashpoint.c), setting damaged files aside
 * (husk_set_aside, src/base/fs.c) and marking the pod directories' parents (husk_mark_top_dir). */
#include "base/crashpoint.h"
#include "base/fs.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs husk_crash_point(name) in a child with HUSK_CRASH_AT=wanted; returns its wait status. */
static int run_point(const char *wanted, const char *name)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setenv("HUSK_CRASH_AT", wanted, 1);
        husk_crash_point(name);
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    return status;
}

TEST(crash_point_kills_only_at_the_named_point)
{
    if (!husk_crash_points_enabled())
        return; /* a build without them: every point is a no-op, checked below */
    int status = run_point("unpack-layer", "unpack-layer");
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    status = run_point("unpack-layer", "pull-blob");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    status = run_point("unpack", "unpack-layer");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(crash_point_without_the_variable_does_nothing)
{
    unsetenv("HUSK_CRASH_AT");
    husk_crash_point("unpack-layer");
    CHECK(true);
}

TEST(set_aside_renames_with_a_timestamp)
{
    char dir[] = "/tmp/husk-aside-XXXXXX", path[256], aside[512];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/worker.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    close(fd);
    husk_error err = {0};
    CHECK_INT_EQ(husk_set_aside(path, "", aside, sizeof aside, &err), 0);
    CHECK(access(path, F_OK) < 0);
    CHECK(access(aside, F_OK) == 0);
    CHECK(strncmp(aside, path, strlen(path)) == 0);
    CHECK(strncmp(aside + strlen(path), ".corrupt-20", 11) == 0);
    CHECK(aside[strlen(aside) - 1] == 'Z');
    /* A missing file is an error that names it. */
    CHECK_INT_EQ(husk_set_aside(path, "", aside, sizeof aside, &err), -1);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK(strstr(err.message, "worker.json") != NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT_EQ(system(cmd), 0);
}

/* FS_IOC_GETFLAGS of path: -1 where the file system has no such flags (tmpfs). */
static int dir_flags(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(fd >= 0);
    int flags = 0;
    int r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    close(fd);
    return r == 0 ? flags : -1;
}

/* Where the file system keeps inode flags (ext4, as the data dir here), the directory gets FS_TOPDIR_FL and
 * keeps its other flags; marking twice is fine; elsewhere it says no and changes nothing. */
TEST(mark_top_dir_sets_the_orlov_flag_where_there_is_one)
{
    char dir[] = "/tmp/husk-topdir-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int before = dir_flags(dir);
    if (before < 0) {
        CHECK(!husk_mark_top_dir(dir));
    } else {
        CHECK((before & FS_TOPDIR_FL) == 0);
        CHECK(husk_mark_top_dir(dir));
        CHECK_INT_EQ(dir_flags(dir), before | FS_TOPDIR_FL);
        CHECK(husk_mark_top_dir(dir));
        CHECK_INT_EQ(dir_flags(dir), before | FS_TOPDIR_FL);
    }
    CHECK(!husk_mark_top_dir("/nonexistent/husk-topdir"));
    CHECK_INT_EQ(rmdir(dir), 0);
}
