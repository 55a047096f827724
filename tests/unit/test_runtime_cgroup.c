/* The cgroup backends, against the host's real cgroups (v1 on hybrid hosts, v2 on unified ones). Every
 * test works under its own parent, husk-test-PID, and removes it. */
#include "harness.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "runtime/cgroup.h"
#include "runtime/files.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/wait.h>

static const struct runtime_cgroup_manager *manager(void)
{
    const struct runtime_cgroup_manager *m = NULL;
    husk_error err = {0};
    CHECK(runtime_cgroup_manager_get(&m, &err) == 0);
    return m;
}

static const char *test_path(const char *leaf)
{
    static char path[256];
    snprintf(path, sizeof path, "husk-test-%d/%s", (int)getpid(), leaf);
    return path;
}

static char *read_value(const char *path)
{
    char *text = NULL;
    husk_error err = {0};
    if (runtime_read_file(path, 4096, &text, &err) < 0)
        return NULL;
    text[strcspn(text, "\n")] = '\0';
    return text;
}

/* What a forked child wrote to the pipe fds, until it closed it. */
static void read_child_report(int fds[2], char *text, size_t size)
{
    close(fds[1]);
    size_t len = 0;
    for (ssize_t n; (n = read(fds[0], text + len, size - 1 - len)) > 0;)
        len += (size_t)n;
    text[len] = '\0';
    close(fds[0]);
}

static void remove_test_parent(const struct runtime_cgroup_manager *m)
{
    husk_error err = {0};
    char parent[64];
    snprintf(parent, sizeof parent, "husk-test-%d", (int)getpid());
    if (m->destroy(parent, &err) < 0) {
        fprintf(stderr, "# %s\n", err.message);
        CHECK(0);
    }
}

TEST(runtime_cgroup_probe_picks_the_backend)
{
    const struct runtime_cgroup_manager *m = manager();
    CHECK(access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? m == &runtime_cgroup_v2
                                                                 : m == &runtime_cgroup_v1);
}

TEST(runtime_cgroup_limits_are_written)
{
    REQUIRE_ROOT();
    const struct runtime_cgroup_manager *m = manager();
    husk_error err = {0};
    const char *path = test_path("pod-a/ctr");
    CHECK(m->create(path, &err) == 0);
    struct runtime_resources r = {
        .memory_limit_bytes = 64 << 20, .cpu_shares = 512, .cpu_quota_us = 50000, .pids_limit = 100};
    if (m->set_resources(path, &r, &err) < 0)
        fprintf(stderr, "# %s\n", err.message);
    char file[512];
    cleanup_free char *mem = NULL, *pids = NULL, *cpu = NULL;
    if (m == &runtime_cgroup_v1) {
        snprintf(file, sizeof file, "/sys/fs/cgroup/memory/%s/memory.limit_in_bytes", path);
        mem = read_value(file);
        CHECK_STR_EQ(mem, "67108864");
        snprintf(file, sizeof file, "/sys/fs/cgroup/cpu/%s/cpu.cfs_quota_us", path);
        cpu = read_value(file);
        CHECK_STR_EQ(cpu, "50000");
        snprintf(file, sizeof file, "/sys/fs/cgroup/pids/%s/pids.max", path);
    } else {
        snprintf(file, sizeof file, "/sys/fs/cgroup/%s/memory.max", path);
        mem = read_value(file);
        CHECK_STR_EQ(mem, "67108864");
        snprintf(file, sizeof file, "/sys/fs/cgroup/%s/cpu.max", path);
        cpu = read_value(file);
        CHECK_STR_EQ(cpu, "50000 100000");
        snprintf(file, sizeof file, "/sys/fs/cgroup/%s/pids.max", path);
    }
    pids = read_value(file);
    CHECK_STR_EQ(pids, "100");
    remove_test_parent(m);
    snprintf(file, sizeof file, "/sys/fs/cgroup/%shusk-test-%d", m == &runtime_cgroup_v1 ? "memory/" : "",
             (int)getpid());
    CHECK(access(file, F_OK) < 0);
}

TEST(runtime_cgroup_destroy_kills_what_is_left)
{
    REQUIRE_ROOT();
    const struct runtime_cgroup_manager *m = manager();
    husk_error err = {0};
    const char *path = test_path("pod-b/ctr");
    CHECK(m->create(path, &err) == 0);
    pid_t child = fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    CHECK(m->enter(path, child, &err) == 0);
    bool populated = false;
    CHECK(m->populated(test_path("pod-b"), &populated, &err) == 0);
    CHECK(populated);
    remove_test_parent(m);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* enter(path, 0) from a child just forked (as the supervisor and every container are started): the child,
 * and the children it forks, are in the cgroup of every hierarchy it has (v1: memory, cpu, cpuacct, pids);
 * the parent stays where it was. On v1
 * this goes through `tasks`, which spares the RCU grace period that cgroup.procs waits for. */
TEST(runtime_cgroup_enter_moves_the_caller_in_each_of_its_hierarchies)
{
    REQUIRE_ROOT();
    const struct runtime_cgroup_manager *m = manager();
    husk_error err = {0};
    const char *path = test_path("pod-d/ctr");
    CHECK(m->create(path, &err) == 0);
    /* The whole file, every hierarchy (read_value keeps the first line only). */
    cleanup_free char *before = NULL, *after = NULL;
    CHECK(runtime_read_file("/proc/self/cgroup", 65536, &before, &err) == 0);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        if (m->enter(path, 0, &err) < 0)
            _exit(3);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            int fd = open("/proc/self/cgroup", O_RDONLY);
            char buf[4096];
            ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
            _exit(n > 0 && write(fds[1], buf, (size_t)n) == n ? 0 : 4);
        }
        int status = 0;
        _exit(waitpid(grandchild, &status, 0) == grandchild && WIFEXITED(status) ? WEXITSTATUS(status) : 5);
    }
    char text[4096];
    read_child_report(fds, text, sizeof text);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    static const char *const controllers[] = {"memory", "cpu,", "pids"};
    int lines = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        bool v2 = strncmp(line, "0::", 3) == 0;
        bool ours = v2 && m == &runtime_cgroup_v2;
        for (size_t i = 0; !v2 && i < sizeof controllers / sizeof controllers[0]; i++)
            ours = ours || strstr(line, controllers[i]) != NULL;
        if (!ours)
            continue;
        CHECK_STR_CONTAINS(line, path);
        lines++;
    }
    CHECK(lines >= 1);
    CHECK(strstr(before, "husk-test-") == NULL);
    CHECK(runtime_read_file("/proc/self/cgroup", 65536, &after, &err) == 0);
    CHECK_STR_EQ(after, before);
    remove_test_parent(m);
}

/* The path of the /proc/PID/cgroup text's line for the hierarchy ("N:cpu,cpuacct:/PATH" where two share
 * one) into out. */
static bool hierarchy_path(const char *text, const char *controller, char *out, size_t size)
{
    char want[64];
    snprintf(want, sizeof want, ",%s,", controller);
    for (const char *line = text; *line != '\0';) {
        size_t len = strcspn(line, "\n");
        const char *names = memchr(line, ':', len);
        const char *path = names != NULL ? memchr(names + 1, ':', len - (size_t)(names + 1 - line)) : NULL;
        if (path != NULL) {
            char entry[128];
            snprintf(entry, sizeof entry, ",%.*s,", (int)(path - names - 1), names + 1);
            if (strstr(entry, want) != NULL) {
                snprintf(out, size, "%.*s", (int)(line + len - path - 1), path + 1);
                return true;
            }
        }
        line += len;
        if (*line == '\n')
            line++;
    }
    return false;
}

/* On v1 a cgroup is made in the memory, cpu, cpuacct and pids hierarchies only, and a child that enters it is
 * in it there; in cpuset, freezer and blkio there is none (limits and counts husk does not use) and the
 * child stays where its parent was. destroy removes what was made, and what an earlier husk made in
 * cpuset, freezer and blkio as well. */
TEST(runtime_cgroup_v1_uses_the_hierarchies_of_its_limits)
{
    REQUIRE_ROOT();
    const struct runtime_cgroup_manager *m = manager();
    if (m != &runtime_cgroup_v1)
        SKIP("cgroup v1 only");
    husk_error err = {0};
    char pod[256], ctr[256];
    snprintf(pod, sizeof pod, "%s", test_path("pod-e"));
    snprintf(ctr, sizeof ctr, "%s", test_path("pod-e/web"));
    CHECK(m->create(ctr, &err) == 0);
    cleanup_free char *before = NULL;
    CHECK(runtime_read_file("/proc/self/cgroup", 65536, &before, &err) == 0);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        if (m->enter(ctr, 0, &err) < 0)
            _exit(3);
        int fd = open("/proc/self/cgroup", O_RDONLY);
        char buf[4096];
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
        _exit(n > 0 && write(fds[1], buf, (size_t)n) == n ? 0 : 4);
    }
    char text[4096];
    read_child_report(fds, text, sizeof text);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    static const struct {
        const char *controller;
        bool own;
    } expect[] = {{"memory", true},  {"cpu", true},      {"cpuacct", true}, {"pids", true},
                  {"cpuset", false}, {"freezer", false}, {"blkio", false}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s", expect[i].controller);
        if (access(dir, F_OK) < 0)
            continue;
        snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s/%s", expect[i].controller, pod);
        CHECK_INT_EQ(access(dir, F_OK) == 0, expect[i].own);
        char child_path[512], our_path[512];
        CHECK(hierarchy_path(text, expect[i].controller, child_path, sizeof child_path));
        CHECK(hierarchy_path(before, expect[i].controller, our_path, sizeof our_path));
        if (expect[i].own) {
            size_t n = strlen(child_path), len = strlen(ctr);
            CHECK(n > len && strcmp(child_path + n - len, ctr) == 0);
        } else {
            CHECK_STR_EQ(child_path, our_path);
        }
    }
    /* What an earlier husk made: a pod's cgroup in freezer (and cpuset, blkio, where they are). */
    char former[512];
    snprintf(former, sizeof former, "/sys/fs/cgroup/freezer/%s", pod);
    CHECK(husk_mkdir_p(former, 0755, &err) == 0);
    CHECK(m->destroy(ctr, &err) == 0);
    char dir[512];
    snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory/%s", ctr);
    CHECK(access(dir, F_OK) < 0 && errno == ENOENT);
    CHECK(m->destroy(pod, &err) == 0);
    CHECK(access(former, F_OK) < 0 && errno == ENOENT);
    remove_test_parent(m);
    snprintf(former, sizeof former, "/sys/fs/cgroup/freezer/husk-test-%d", (int)getpid());
    CHECK(access(former, F_OK) < 0 && errno == ENOENT);
}

TEST(runtime_cgroup_counts_oom_kills)
{
    REQUIRE_ROOT();
    const struct runtime_cgroup_manager *m = manager();
    husk_error err = {0};
    const char *path = test_path("pod-c/ctr");
    CHECK(m->create(path, &err) == 0);
    struct runtime_resources r = {.memory_limit_bytes = 16 << 20};
    CHECK(m->set_resources(path, &r, &err) == 0);
    long count = -1;
    CHECK(m->oom_kill_count(path, &count, &err) == 0);
    CHECK_INT_EQ(count, 0);
    pid_t child = fork();
    if (child == 0) {
        if (m->enter(path, 0, &err) < 0)
            _exit(3);
        /* Touch 64 MiB, four times the limit: the OOM killer must act. */
        for (int i = 0; i < 64; i++) {
            char *p = malloc(1 << 20);
            if (p != NULL)
                memset(p, 1, 1 << 20);
        }
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(m->oom_kill_count(path, &count, &err) == 0);
    CHECK(count >= 1);
    remove_test_parent(m);
}

/* The v2 backend on this hybrid host: in a private mount namespace, the unified hierarchy (which holds
 * no controllers here) is mounted over /sys/fs/cgroup, so the probe picks v2 and every call goes
 * through the v2 code: nested creation, enter, populated, cgroup.kill and removal. */
TEST(runtime_cgroup_v2_backend_on_a_unified_mount)
{
    REQUIRE_ROOT();
    struct statfs fs;
    if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
        /* A pure v2 host: the other tests have exercised v2 already. */
        return;
    }
    CHECK(unshare(CLONE_NEWNS) == 0);
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    if (mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0)
        SKIP("no cgroup2 filesystem");
    const struct runtime_cgroup_manager *m = manager();
    CHECK(m == &runtime_cgroup_v2);
    husk_error err = {0};
    const char *path = test_path("pod-v2/ctr");
    if (m->create(path, &err) < 0) {
        fprintf(stderr, "# %s\n", err.message);
        CHECK(0);
    }
    struct runtime_resources none = {0};
    CHECK(m->set_resources(path, &none, &err) == 0);
    pid_t child = fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    CHECK(m->enter(path, child, &err) == 0);
    bool populated = false;
    CHECK(m->populated(test_path("pod-v2"), &populated, &err) == 0);
    CHECK(populated);
    remove_test_parent(m);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    char dir[256];
    snprintf(dir, sizeof dir, "/sys/fs/cgroup/husk-test-%d", (int)getpid());
    CHECK(access(dir, F_OK) < 0);
}
