/* The pod sandbox from the caller's side: state dir, pod cgroup, and starting the supervisor detached
 * (its own session, double-forked so that it is nobody's child here and outlives the caller). The
 * supervisor is born into the pod's new namespaces: unshare() in the intermediate child, so that the
 * supervisor itself is PID 1 of the pod's PID namespace. That makes the kernel kill every container of
 * the pod if the supervisor is killed (no container outlives its records), and lets it reap them all. */
#include "runtime/runtime.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/crashpoint.h"
#include "base/fs.h"
#include "runtime/cgroup.h"
#include "runtime/client.h"
#include "runtime/config.h"
#include "runtime/files.h"
#include "runtime/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_etc_files(const struct runtime_sandbox_config *c, husk_error *err)
{
    const char *const names[] = {"hosts", "hostname", "resolv.conf"};
    const char *const contents[] = {c->etc_hosts, c->etc_hostname, c->etc_resolv_conf};
    for (int i = 0; i < 3; i++) {
        if (contents[i] == NULL)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/etc/%s", c->state_dir, names[i]);
        if (runtime_write_file(path, contents[i], err) < 0)
            return -1;
    }
    return 0;
}

/* "error WHAT[: WHY]\n" to the ready pipe, from a child forked from the (multi-threaded) caller: no stdio
 * or malloc, which another thread may have held locked at the fork (a sanitizer build's allocator is not
 * reset in the child, which then hung there for good, and with it the pod's start). */
static void report(int fd, const char *what, const char *why)
{
    husk_write_strings(fd,
                       (const char *const[]){"error ", what, why ? ": " : "", why ? why : "", "\n", NULL});
}

__attribute__((noreturn)) static void intermediate_child(const struct runtime_sandbox_config *c,
                                                         const char *binary, const char *cgroup_path,
                                                         int ready_fd)
{
    setsid();
    /* Hold no reference on the caller's working directory (or its mount) for the pod's lifetime. */
    if (chdir("/") < 0)
        _exit(1);
    /* The supervisor lives in a leaf of the pod cgroup (cgroup v2 allows no process beside child cgroups),
     * so that removing the pod's cgroup kills it too if it no longer answers. */
    const struct runtime_cgroup_manager *cgroups;
    husk_error err = {0};
    char leaf[1200];
    snprintf(leaf, sizeof leaf, "%s/supervisor", cgroup_path);
    if (runtime_cgroup_manager_get(&cgroups, &err) < 0 || cgroups->enter(leaf, 0, &err) < 0) {
        report(ready_fd, err.message, NULL);
        _exit(1);
    }
    int flags = CLONE_NEWNS | (c->host_network ? 0 : CLONE_NEWNET | CLONE_NEWUTS) |
                (c->host_ipc ? 0 : CLONE_NEWIPC) | (c->host_pid ? 0 : CLONE_NEWPID);
    if (unshare(flags) < 0) {
        report(ready_fd, "creating the pod's namespaces", strerrordesc_np(errno));
        _exit(1);
    }
    pid_t pid = fork();
    if (pid != 0)
        _exit(pid < 0 ? 1 : 0);
    char log[4096];
    snprintf(log, sizeof log, "%s/supervisor.log", c->state_dir);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (null < 0 || log_fd < 0 || dup2(null, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0 ||
        dup2(ready_fd, 3) < 0 || close_range(4, ~0U, 0) < 0) {
        report(ready_fd, "setting up the supervisor's stdio", strerrordesc_np(errno));
        _exit(1);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char *argv[] = {(char *)binary, (char *)c->state_dir, (char *)"3", NULL};
    execv(binary, argv);
    husk_write_strings(
        3, (const char *const[]){"error running ", binary, ": ", strerrordesc_np(errno), "\n", NULL});
    _exit(127);
}

static int start_supervisor(const struct runtime_sandbox_config *c, const char *cgroup_path, pid_t *ret_pid,
                            husk_error *err)
{
    char binary[4096];
    /* $HUSK_SUPERVISOR, else beside the running program, else /usr/local/bin. */
    husk_program_path("HUSK_SUPERVISOR", "husk-supervisor", binary, sizeof binary);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        intermediate_child(c, binary, cgroup_path, ready[1]);
    }
    close(ready[1]);
    cleanup_close int ready_fd = ready[0];
    if (pid < 0)
        return husk_error_set_errno(err, errno, "fork");
    /* The answer (or the first child's error) comes through the pipe, which ends when both children have
     * let go of it; a child that hangs is given up on (its cgroup, removed by the caller, takes it). */
    int timeout_ms = c->start_timeout_ms > 0 ? c->start_timeout_ms : 30000;
    int64_t deadline = husk_now_ms() + timeout_ms;
    char reply[HUSK_ERROR_MESSAGE_MAX];
    size_t len = 0;
    bool timed_out = false;
    while (len < sizeof reply - 1) {
        int64_t left = deadline - husk_now_ms();
        struct pollfd p = {.fd = ready_fd, .events = POLLIN};
        int polled = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (polled < 0 && errno == EINTR)
            continue;
        if (polled <= 0) {
            timed_out = polled == 0;
            break;
        }
        ssize_t n = read(ready_fd, reply + len, sizeof reply - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return husk_error_set(err, ETIMEDOUT, "starting the supervisor of pod %s: no answer in %d ms",
                              c->pod_name, timeout_ms);
    reply[len] = '\0';
    reply[strcspn(reply, "\n")] = '\0';
    if (strncmp(reply, "ok ", 3) != 0)
        return husk_error_set(err, EIO, "starting the supervisor of pod %s: %s", c->pod_name,
                              len > 0 ? (strncmp(reply, "error ", 6) == 0 ? reply + 6 : reply) : "it exited");
    *ret_pid = (pid_t)strtol(reply + 3, NULL, 10);
    return 0;
}

static int prepare(const struct runtime_sandbox_config *c, const char *cgroup_path, husk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/containers", c->state_dir);
    if (husk_mkdir_p(path, 0700, err) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/etc", c->state_dir);
    if (husk_mkdir_p(path, 0755, err) < 0 || write_etc_files(c, err) < 0)
        return -1;
    if (c->log_dir != NULL && husk_mkdir_p(c->log_dir, 0755, err) < 0)
        return -1;
    const struct runtime_cgroup_manager *cgroups;
    snprintf(path, sizeof path, "%s/supervisor", cgroup_path);
    if (runtime_cgroup_manager_get(&cgroups, err) < 0 || cgroups->create(cgroup_path, err) < 0 ||
        cgroups->set_resources(cgroup_path, &c->resources, err) < 0 || cgroups->create(path, err) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/sandbox.json", c->state_dir);
    return runtime_sandbox_info_save(c, cgroup_path, path, err);
}

static int pin_network(const struct runtime_sandbox_config *c, pid_t pid, husk_error *err)
{
    return c->host_network ? 0 : runtime_netns_pin(c->state_dir, pid, err);
}

/* A sandbox object with its state dir and no supervisor yet; NULL when out of memory. */
static struct runtime_sandbox *sandbox_new(const char *state_dir)
{
    struct runtime_sandbox *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->supervisor_pidfd = -1;
    if ((s->state_dir = strdup(state_dir)) == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

int runtime_sandbox_create(const struct runtime_sandbox_config *c, struct runtime_sandbox **ret_sandbox,
                           husk_error *err)
{
    if (c->pod_uid == NULL || c->pod_name == NULL || c->state_dir == NULL || strchr(c->pod_uid, '/') != NULL)
        return husk_error_set(err, EINVAL, "a sandbox needs a pod uid, a pod name and a state dir");
    struct runtime_sandbox *s = sandbox_new(c->state_dir);
    if (s == NULL || asprintf(&s->cgroup_path, "%s/pod-%s", c->cgroup_parent ? c->cgroup_parent : "husk",
                              c->pod_uid) < 0) {
        runtime_sandbox_free(s);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    if (access(c->state_dir, F_OK) == 0) {
        runtime_sandbox_free(s);
        return husk_error_set(err, EEXIST, "the state dir %s of pod %s exists already", c->state_dir,
                              c->pod_name);
    }
    if (prepare(c, s->cgroup_path, err) < 0 ||
        start_supervisor(c, s->cgroup_path, &s->supervisor_pid, err) < 0 ||
        pin_network(c, s->supervisor_pid, err) < 0) {
        husk_error saved = *err;
        runtime_sandbox_remove(s, NULL);
        runtime_sandbox_free(s);
        *err = saved;
        return husk_error_wrap(err, "creating the sandbox of pod %s", c->pod_name);
    }
    husk_crash_point("sandbox-create");
    s->supervisor_pidfd = (int)syscall(SYS_pidfd_open, s->supervisor_pid, 0);
    *ret_sandbox = s;
    return 0;
}

/* Whether the supervisor answers on its socket. */
static bool ping(const struct runtime_sandbox *s)
{
    char reply[64];
    husk_error err = {0};
    return runtime_supervisor_request(s->state_dir, "ping", reply, sizeof reply, &err) == 0;
}

int runtime_sandbox_open(const char *state_dir, struct runtime_sandbox **ret_sandbox, husk_error *err)
{
    char path[4096];
    struct runtime_sandbox_info info;
    snprintf(path, sizeof path, "%s/sandbox.json", state_dir);
    if (runtime_sandbox_info_load(path, &info, err) < 0)
        return -1;
    struct runtime_sandbox *s = sandbox_new(state_dir);
    if (s == NULL || (s->cgroup_path = strdup(info.cgroup_path)) == NULL) {
        runtime_sandbox_free(s);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    snprintf(path, sizeof path, "%s/supervisor.pid", state_dir);
    cleanup_free char *pid = NULL;
    husk_error ignored = {0};
    if (runtime_read_file(path, 64, &pid, &ignored) == 0)
        s->supervisor_pid = (pid_t)strtol(pid, NULL, 10);
    /* The PID in the file may have been reused since: the pidfd counts only once the supervisor answers
     * through it (the pidfd is opened first, so the process answering is the one it refers to, unless the
     * supervisor died and its PID was reused in between, which the ping catches). */
    if (s->supervisor_pid > 0) {
        s->supervisor_pidfd = (int)syscall(SYS_pidfd_open, s->supervisor_pid, 0);
        if (s->supervisor_pidfd >= 0 && !ping(s)) {
            close(s->supervisor_pidfd);
            s->supervisor_pidfd = -1;
        }
    }
    *ret_sandbox = s;
    return 0;
}

/* Asked at every pass of a pod worker and every container status: a poll of the supervisor's pidfd (no
 * round trip through its socket, which cost two context switches each time); its socket only when there is
 * no pidfd. */
bool runtime_sandbox_alive(const struct runtime_sandbox *s)
{
    if (s->supervisor_pidfd < 0)
        return ping(s);
    struct pollfd p = {.fd = s->supervisor_pidfd, .events = POLLIN};
    return poll(&p, 1, 0) == 0;
}

/* Waits (up to 10 s) for the supervisor to be gone; it was asked to shut down or is dead already. Through
 * the pidfd the sandbox holds; one opened now when it has none (a PID not vouched for: at worst a wait). */
static void wait_supervisor_gone(const struct runtime_sandbox *s)
{
    int fd = s->supervisor_pidfd >= 0 || s->supervisor_pid <= 0
                 ? s->supervisor_pidfd
                 : (int)syscall(SYS_pidfd_open, s->supervisor_pid, 0);
    if (fd < 0)
        return;
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 10000);
    if (fd != s->supervisor_pidfd)
        close(fd);
}

int runtime_sandbox_remove(struct runtime_sandbox *s, husk_error *err)
{
    char reply[64];
    husk_error ignored = {0};
    if (runtime_supervisor_request(s->state_dir, "shutdown", reply, sizeof reply, &ignored) == 0)
        wait_supervisor_gone(s);
    /* Whatever is left (hostPID containers, a supervisor that did not answer) dies with the cgroup. */
    const struct runtime_cgroup_manager *cgroups;
    if (runtime_cgroup_manager_get(&cgroups, err) < 0 || cgroups->destroy(s->cgroup_path, err) < 0)
        return -1;
    wait_supervisor_gone(s);
    if (runtime_netns_unpin(s->state_dir, err) < 0)
        return -1;
    return runtime_remove_tree(s->state_dir, err);
}

void runtime_sandbox_free(struct runtime_sandbox *s)
{
    if (s == NULL)
        return;
    if (s->supervisor_pidfd >= 0)
        close(s->supervisor_pidfd);
    free(s->state_dir);
    free(s->cgroup_path);
    free(s);
}
