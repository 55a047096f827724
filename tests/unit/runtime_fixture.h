/* Shared set-up of the runtime tests: a temp dir with a busybox root, a pod sandbox under the test's own
 * cgroup parent (husk-test-PID), and the leak checks run when the pod is removed. */
#ifndef HUSK_TESTS_UNIT_RUNTIME_FIXTURE_H
#define HUSK_TESTS_UNIT_RUNTIME_FIXTURE_H

#include "harness.h"

#include "../lib/busybox_rootfs.h"
#include "base/cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/files.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

struct pod_fixture {
    char dir[256];
    char rootfs[300];
    char state_dir[300];
    char cgroup_parent[64];
    char pod_uid[64];
    const char *layers[2];
    struct runtime_sandbox *sandbox;
};

#define CHECK_OK(call)                                                                                       \
    do {                                                                                                     \
        husk_error check_err_ = {0};                                                                         \
        if ((call(&check_err_)) < 0) {                                                                       \
            fprintf(stderr, "# %s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, check_err_.message);      \
            fflush(stderr);                                                                                  \
            _exit(1);                                                                                        \
        }                                                                                                    \
    } while (0)

static inline void fixture_find_supervisor(void)
{
    if (getenv("HUSK_SUPERVISOR") != NULL)
        return;
    char self[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0);
    self[n] = '\0';
    /* The test binary is BUILD/tests/unit/NAME; the supervisor is BUILD/husk-supervisor. */
    snprintf(path, sizeof path, "%s/../../husk-supervisor", dirname(self));
    setenv("HUSK_SUPERVISOR", path, 1);
}

/* A watcher outside the test's process group: once the test process is gone (passed, failed or timed
 * out), it removes whatever the test left (pod, cgroups, dir), so that one failure does not leak. */
static inline void fixture_janitor(const struct pod_fixture *f)
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
    char byte;
    while (read(fds[0], &byte, 1) != 0 && errno == EINTR)
        ;
    husk_error err = {0};
    struct runtime_sandbox *s = NULL;
    if (access(f->state_dir, F_OK) == 0 && runtime_sandbox_open(f->state_dir, &s, &err) == 0) {
        runtime_sandbox_remove(s, &err);
        runtime_sandbox_free(s);
    }
    const struct runtime_cgroup_manager *m;
    if (runtime_cgroup_manager_get(&m, &err) == 0)
        m->destroy(f->cgroup_parent, &err);
    runtime_remove_tree(f->dir, &err);
    _exit(0);
}

/* Makes the dir and the rootfs; call before fixture_pod. */
static inline void fixture_init(struct pod_fixture *f)
{
    REQUIRE_ROOT();
    if (access(TEST_BUSYBOX, X_OK) < 0)
        SKIP("needs " TEST_BUSYBOX " (busybox-static)");
    fixture_find_supervisor();
    /* Supervisors are double-forked; as a subreaper the test gets them back and can reap them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    snprintf(f->dir, sizeof f->dir, "/tmp/husk-test-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->rootfs, sizeof f->rootfs, "%s/rootfs", f->dir);
    CHECK(test_make_busybox_rootfs(f->rootfs) == 0);
    snprintf(f->state_dir, sizeof f->state_dir, "%s/pod", f->dir);
    snprintf(f->cgroup_parent, sizeof f->cgroup_parent, "husk-test-%d", (int)getpid());
    snprintf(f->pod_uid, sizeof f->pod_uid, "uid-%d", (int)getpid());
    f->layers[0] = f->rootfs;
    f->layers[1] = NULL;
    fixture_janitor(f);
}

static inline void fixture_pod_with(struct pod_fixture *f, struct runtime_sandbox_config *c)
{
    c->pod_uid = f->pod_uid;
    c->pod_name = c->pod_name ? c->pod_name : "testpod";
    c->pod_namespace = "default";
    c->cgroup_parent = f->cgroup_parent;
    c->state_dir = f->state_dir;
    husk_error err = {0};
    if (runtime_sandbox_create(c, &f->sandbox, &err) < 0) {
        fprintf(stderr, "# %s\n", err.message);
        CHECK(0);
    }
}

static inline void fixture_pod(struct pod_fixture *f)
{
    struct runtime_sandbox_config c = {.hostname = "testpod",
                                       .etc_hosts = "127.0.0.1 localhost testpod\n",
                                       .etc_hostname = "testpod\n",
                                       .etc_resolv_conf = "nameserver 127.0.0.1\n"};
    fixture_pod_with(f, &c);
}

static inline struct runtime_container_config fixture_container(struct pod_fixture *f, const char *name,
                                                                const char *const *argv)
{
    static const char *const env[] = {"PATH=/bin", "HOME=/root", NULL};
    return (struct runtime_container_config){
        .name = name, .rootfs_layers = f->layers, .argv = argv, .env = env};
}

static inline void fixture_run(struct pod_fixture *f, const struct runtime_container_config *c)
{
    husk_error err = {0};
    if (runtime_container_create(f->sandbox, c, &err) < 0 ||
        runtime_container_start(f->sandbox, c->name, &err) < 0) {
        fprintf(stderr, "# container %s: %s\n", c->name, err.message);
        CHECK(0);
    }
}

static inline struct runtime_container_status fixture_wait(struct pod_fixture *f, const char *name)
{
    struct runtime_container_status st;
    husk_error err = {0};
    CHECK(runtime_container_wait(f->sandbox, name, 20000, &st, &err) == 0);
    CHECK_INT_EQ(st.state, RUNTIME_CONTAINER_EXITED);
    return st;
}

static inline char *fixture_log(struct pod_fixture *f, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.log", f->state_dir, name);
    char *text = NULL;
    husk_error err = {0};
    CHECK(runtime_read_file(path, 1 << 20, &text, &err) == 0);
    return text;
}

/* Whether any line of /proc/self/mountinfo mentions text. */
static inline bool fixture_mounted(const char *text)
{
    cleanup_free char *mounts = NULL;
    husk_error err = {0};
    CHECK(runtime_read_file("/proc/self/mountinfo", 1 << 22, &mounts, &err) == 0);
    return strstr(mounts, text) != NULL;
}

static inline bool fixture_pid_alive(pid_t pid)
{
    return pid > 0 && kill(pid, 0) == 0;
}

/* Removes the pod and checks that nothing of it is left: mounts, cgroups, supervisor, state. */
static inline void fixture_remove(struct pod_fixture *f)
{
    pid_t supervisor = f->sandbox->supervisor_pid;
    husk_error err = {0};
    if (runtime_sandbox_remove(f->sandbox, &err) < 0) {
        fprintf(stderr, "# removing the pod: %s\n", err.message);
        CHECK(0);
    }
    runtime_sandbox_free(f->sandbox);
    f->sandbox = NULL;
    CHECK(!fixture_mounted(f->dir));
    CHECK(access(f->state_dir, F_OK) < 0);
    /* The supervisor was reparented to us (a subreaper): reap it, or see that it is gone. */
    waitpid(supervisor, NULL, WNOHANG);
    CHECK(!fixture_pid_alive(supervisor));
    const struct runtime_cgroup_manager *m;
    CHECK(runtime_cgroup_manager_get(&m, &err) == 0);
    char path[512];
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", m == &runtime_cgroup_v1 ? "pids/" : "",
             f->cgroup_parent);
    char pod[600];
    snprintf(pod, sizeof pod, "%s/pod-%s", path, f->pod_uid);
    CHECK(access(pod, F_OK) < 0);
    CHECK(m->destroy(f->cgroup_parent, &err) == 0);
    CHECK(runtime_remove_tree(f->dir, &err) == 0);
}

#endif
