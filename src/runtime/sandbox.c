/* The pod sandbox from the caller's side: state dir, pod cgroup, and starting the supervisor detached
 * (its own session; it forks once more itself, so that it is nobody's child here and outlives the caller),
 * or taking a spare one (sandbox_pool.c). The supervisor is born into the pod's new namespaces: it
 * unshares them before its fork (runtime_supervisor_detach), so that it is PID 1 of the pod's PID
 * namespace. That makes the kernel kill every container of the pod if the supervisor is killed (no
 * container outlives its records), and lets it reap them all. */
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
#include "runtime/sandbox_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int runtime_sandbox_write_etc_files(const struct runtime_sandbox_config *c, const char *state_dir,
                                    husk_error *err)
{
    const char *const names[] = {"hosts", "hostname", "resolv.conf"};
    const char *const contents[] = {c->etc_hosts, c->etc_hostname, c->etc_resolv_conf};
    for (int i = 0; i < 3; i++) {
        if (contents[i] == NULL)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/etc/%s", state_dir, names[i]);
        if (runtime_write_file(path, contents[i], err) < 0)
            return -1;
    }
    return 0;
}

/* A spare's fourth argument: room for its command line to name the pod's state dir (DATA/pods/UID/sandbox)
 * in place of its own (DATA/sandbox-pool/spare-PID-N), which is shorter. */
static const char padding[] = "                                                                "
                              "                                                                ";

/* posix_spawn (a vfork: no copy of the daemon's memory, whose other threads would then fault on every page
 * they write until the exec) of the supervisor, in a session of its own, with / as its working directory (no
 * hold on the caller's), stdin /dev/null, stdout and stderr its log, the ready pipe as fd 3 and no other fd,
 * no signal blocked or ignored. It then detaches itself (runtime_supervisor_detach). Returns an errno. (Not
 * SCHED_IDLE for a spare: it holds kernel locks a starting pod needs, the cgroup hierarchy's among them,
 * and then waits for an idle CPU with them.) */
static int spawn_supervisor(const struct runtime_sandbox_config *c, const char *binary, bool spare,
                            int ready_fd, pid_t *ret_pid)
{
    char log[4096];
    snprintf(log, sizeof log, "%s/supervisor.log", c->state_dir);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_adddup2(&actions, ready_fd, 3);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_APPEND | O_CREAT, 0640);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    posix_spawn_file_actions_addchdir_np(&actions, "/");
    char *argv[] = {(char *)binary, (char *)c->state_dir, (char *)"3", spare ? (char *)padding : NULL, NULL};
    int e = posix_spawn(ret_pid, binary, &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return e;
}

static int start_supervisor(const struct runtime_sandbox_config *c, bool spare, pid_t *ret_pid,
                            husk_error *err)
{
    char binary[4096];
    /* $HUSK_SUPERVISOR, else beside the running program, else /usr/local/bin. */
    husk_program_path("HUSK_SUPERVISOR", "husk-supervisor", binary, sizeof binary);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "pipe");
    pid_t pid = -1;
    int spawned = spawn_supervisor(c, binary, spare, ready[1], &pid);
    close(ready[1]);
    cleanup_close int ready_fd = ready[0];
    if (spawned != 0)
        return husk_error_set(err, spawned, "starting the supervisor of pod %s: running %s: %s", c->pod_name,
                              binary, strerror(spawned));
    /* The answer (or the detaching process's error) comes through the pipe, which ends when both processes
     * have let go of it; one that hangs is killed (the supervisor, if it got that far, is in the pod's
     * cgroup, which the caller removes). */
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
    if (husk_mkdir_p(path, 0755, err) < 0 || runtime_sandbox_write_etc_files(c, c->state_dir, err) < 0)
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

int runtime_sandbox_pod_cgroup(const struct runtime_sandbox_config *c, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/pod-%s", c->cgroup_parent ? c->cgroup_parent : "husk", c->pod_uid);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int runtime_sandbox_create(const struct runtime_sandbox_config *c, struct runtime_sandbox **ret_sandbox,
                           husk_error *err)
{
    if (c->pod_uid == NULL || c->pod_name == NULL || c->state_dir == NULL || strchr(c->pod_uid, '/') != NULL)
        return husk_error_set(err, EINVAL, "a sandbox needs a pod uid, a pod name and a state dir");
    if (access(c->state_dir, F_OK) == 0)
        return husk_error_set(err, EEXIST, "the state dir %s of pod %s exists already", c->state_dir,
                              c->pod_name);
    char cgroup_path[1024];
    if (runtime_sandbox_pod_cgroup(c, cgroup_path, sizeof cgroup_path) < 0)
        return husk_error_set(err, ENAMETOOLONG, "the cgroup path of pod %s is too long", c->pod_name);
    if ((c->pool == NULL || runtime_sandbox_pool_adopt(c->pool, c, ret_sandbox) < 0) &&
        runtime_sandbox_start(c, cgroup_path, false, ret_sandbox, err) < 0)
        return -1;
    husk_crash_point("sandbox-create");
    return 0;
}

int runtime_sandbox_start(const struct runtime_sandbox_config *c, const char *cgroup_path, bool spare,
                          struct runtime_sandbox **ret_sandbox, husk_error *err)
{
    struct runtime_sandbox *s = sandbox_new(c->state_dir);
    if (s == NULL || (s->cgroup_path = strdup(cgroup_path)) == NULL) {
        runtime_sandbox_free(s);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    if (prepare(c, s->cgroup_path, err) < 0 || start_supervisor(c, spare, &s->supervisor_pid, err) < 0 ||
        pin_network(c, s->supervisor_pid, err) < 0) {
        husk_error saved = *err;
        runtime_sandbox_remove(s, NULL);
        runtime_sandbox_free(s);
        *err = saved;
        return husk_error_wrap(err, "creating the sandbox of pod %s", c->pod_name);
    }
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

int runtime_sandbox_stop(struct runtime_sandbox *s, husk_error *err)
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
    return runtime_netns_unpin(s->state_dir, err);
}

int runtime_sandbox_remove(struct runtime_sandbox *s, husk_error *err)
{
    if (runtime_sandbox_stop(s, err) < 0)
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
