/* See spawn.h. */
#include "runtime/spawn.h"

#include "base/cleanup.h"
#include "runtime/mounts.h"
#include "runtime/security.h"
#include "runtime/supervisor_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void runtime_child_reset_signals(void)
{
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
}

void runtime_oom_score_adj_set(int value)
{
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char text[16];
    int len = snprintf(text, sizeof text, "%d", value);
    ssize_t ignored = write(fd, text, (size_t)len);
    (void)ignored;
    close(fd);
}

int runtime_child_close_fds(husk_error *err)
{
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "close_range");
    return 0;
}

int runtime_child_exec(const char *const *argv, const char *const *env, husk_error *err)
{
    if (argv == NULL || argv[0] == NULL)
        return husk_error_set(err, EINVAL, "no command to run");
    char *const *args = (char *const *)argv;
    char *const *envp = (char *const *)env;
    if (strchr(argv[0], '/') != NULL) {
        execve(argv[0], args, envp);
        return husk_error_set_errno(err, errno, "exec %s", argv[0]);
    }
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        if (strncmp(env[i], "PATH=", 5) == 0)
            path = env[i] + 5;
    int saved = ENOENT;
    for (const char *p = path; *p != '\0';) {
        size_t len = strcspn(p, ":");
        char candidate[4096];
        snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, p, argv[0]);
        execve(candidate, args, envp);
        if (errno != ENOENT && errno != ENOTDIR)
            saved = errno;
        p += len + (p[len] == ':' ? 1 : 0);
    }
    return husk_error_set_errno(err, saved, "exec %s: not found in PATH %s", argv[0], path);
}

void runtime_child_fail(int fd, const husk_error *err)
{
    ssize_t ignored = write(fd, err->message, strlen(err->message));
    (void)ignored;
    _exit(127);
}

pid_t runtime_pidfd_host_pid(int pidfd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
    cleanup_fclose FILE *f = fopen(path, "re");
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "Pid:", 4) == 0)
            return (pid_t)strtol(line + 4, NULL, 10);
    return -1;
}

struct child_fds {
    int sync;
    int tty_slave;
    int out, err;
    int go; /* held: the read end it waits on before exec; else -1 */
};

/* What a held child writes once it is ready to exec, before it waits for its go. */
#define HELD_BYTE '\001'

/* A held child: reports that it is ready, then waits; EOF instead of a byte means it is not wanted. Meanwhile
 * it shows as what it is (its title was the supervisor's, which the supervisor's state dir points into: not
 * to be replaced before the root is set up). */
static void wait_for_go(const struct runtime_spawn_request *r, const struct child_fds *fds)
{
    if (fds->go < 0)
        return;
    char title[4200];
    snprintf(title, sizeof title, "husk-prepared %s", r->container_dir);
    runtime_supervisor_title_replace(title);
    prctl(PR_SET_NAME, "husk-prepared", 0, 0, 0);
    char byte = HELD_BYTE;
    if (write(fds->sync, &byte, 1) != 1)
        _exit(127);
    ssize_t n;
    while ((n = read(fds->go, &byte, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        _exit(0);
    close(fds->go);
}

static void set_stdio(const struct child_fds *fds, husk_error *err)
{
    if (fds->tty_slave >= 0) {
        setsid();
        if (ioctl(fds->tty_slave, TIOCSCTTY, 0) < 0)
            runtime_child_fail(fds->sync, &(husk_error){errno, "TIOCSCTTY on the container's tty failed"});
        for (int i = 0; i < 3; i++)
            dup2(fds->tty_slave, i);
        return;
    }
    setsid();
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(fds->out, 1) < 0 || dup2(fds->err, 2) < 0) {
        husk_error_set_errno(err, errno, "setting up stdio");
        runtime_child_fail(fds->sync, err);
    }
}

__attribute__((noreturn)) static void child_main(const struct runtime_spawn_request *r,
                                                 const struct child_fds *fds)
{
    husk_error err = {0};
    runtime_child_reset_signals();
    umask(0);
    if (r->cgroups->enter(r->cgroup_path, 0, &err) < 0)
        runtime_child_fail(fds->sync, &err);
    runtime_oom_score_adj_set(r->config->oom_score_adj);
    set_stdio(fds, &err);
    struct runtime_rootfs_request rootfs = {r->config, r->container_dir, r->sandbox_dir,
                                            r->sandbox->host_ipc};
    if (runtime_rootfs_setup(&rootfs, &err) < 0)
        runtime_child_fail(fds->sync, &err);
    umask(022);
    const char *cwd = r->config->cwd != NULL && r->config->cwd[0] != '\0' ? r->config->cwd : "/";
    if (chdir(cwd) < 0) {
        husk_error_set_errno(&err, errno, "working directory %s", cwd);
        runtime_child_fail(fds->sync, &err);
    }
    wait_for_go(r, fds);
    if (runtime_security_apply(r->config, &err) < 0 || runtime_child_close_fds(&err) < 0)
        runtime_child_fail(fds->sync, &err);
    runtime_child_exec(r->config->argv, r->config->env, &err);
    runtime_child_fail(fds->sync, &err);
}

/* Reads the child's report: EOF alone (after HELD_BYTE from a held child) means it reached exec. */
static int read_report(int fd, bool held, husk_error *err)
{
    char message[HUSK_ERROR_MESSAGE_MAX];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, message + len, sizeof message - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (len += (size_t)n) == sizeof message - 1)
            break;
    }
    message[len] = '\0';
    const char *text = message;
    if (held && len == 0)
        return husk_error_set(err, ECHILD, "the process ended before it was started");
    if (held && message[0] == HELD_BYTE)
        text++;
    return text[0] != '\0' ? husk_error_set(err, EINVAL, "%s", text) : 0;
}

static int make_stdio(bool tty, int parent_ends[2], int child_ends[2], husk_error *err)
{
    if (tty) {
        if (openpty(&parent_ends[0], &child_ends[0], NULL, NULL, NULL) < 0)
            return husk_error_set_errno(err, errno, "openpty");
        fcntl(parent_ends[0], F_SETFD, FD_CLOEXEC);
        fcntl(child_ends[0], F_SETFD, FD_CLOEXEC);
        return 0;
    }
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "pipe");
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(out[0]);
        close(out[1]);
        return husk_error_set_errno(err, errno, "pipe");
    }
    parent_ends[0] = out[0];
    parent_ends[1] = errp[0];
    child_ends[0] = out[1];
    child_ends[1] = errp[1];
    return 0;
}

int runtime_container_spawn(const struct runtime_spawn_request *r, struct runtime_spawned *ret,
                            husk_error *err)
{
    int parent_ends[2] = {-1, -1}, child_ends[2] = {-1, -1}, sync[2], go[2] = {-1, -1};
    if (make_stdio(r->config->tty, parent_ends, child_ends, err) < 0)
        return -1;
    if (r->hold && pipe2(go, O_CLOEXEC) < 0) {
        husk_error_set_errno(err, errno, "pipe");
        goto fail;
    }
    if (pipe2(sync, O_CLOEXEC) < 0) {
        husk_error_set_errno(err, errno, "pipe");
        goto fail;
    }
    /* Each container its own PID namespace, unless the pod shares one (the supervisor's) or the host's. */
    bool new_pid = !r->sandbox->share_process_namespace && !r->sandbox->host_pid;
    int pidfd = -1;
    struct clone_args args = {.flags = CLONE_NEWNS | (new_pid ? CLONE_NEWPID : 0) | CLONE_PIDFD,
                              .pidfd = (uint64_t)(uintptr_t)&pidfd,
                              .exit_signal = SIGCHLD};
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        close(sync[0]);
        if (go[1] >= 0)
            close(go[1]); /* else its own copy would keep the EOF of a cancel from it */
        struct child_fds fds = {sync[1], r->config->tty ? child_ends[0] : -1, child_ends[0], child_ends[1],
                                go[0]};
        child_main(r, &fds);
    }
    close(sync[1]);
    if (go[0] >= 0) {
        close(go[0]);
        go[0] = -1;
    }
    if (pid < 0) {
        husk_error_set_errno(err, errno, "clone3 for container %s", r->config->name);
        close(sync[0]);
        goto fail;
    }
    /* Opened while the child sets up, so it is there even for a process that exits at once. */
    pid_t host_pid = runtime_pidfd_host_pid(pidfd);
    char ns[64];
    snprintf(ns, sizeof ns, "/proc/%d/ns/mnt", (int)host_pid);
    int mnt_ns_fd = host_pid > 0 ? open(ns, O_RDONLY | O_CLOEXEC) : -1;
    for (int i = 0; i < 2; i++)
        if (child_ends[i] >= 0)
            close(child_ends[i]);
    *ret = (struct runtime_spawned){pid,       host_pid, pidfd, parent_ends[0], parent_ends[1],
                                    mnt_ns_fd, sync[0],  go[1]};
    return r->hold ? 0 : runtime_spawn_release(ret, r->config->name, err);
fail:
    for (int i = 0; i < 2; i++)
        if (go[i] >= 0)
            close(go[i]);
    for (int i = 0; i < 2; i++) {
        if (parent_ends[i] >= 0)
            close(parent_ends[i]);
        if (child_ends[i] >= 0)
            close(child_ends[i]);
    }
    return -1;
}

int runtime_spawn_release(struct runtime_spawned *s, const char *name, husk_error *err)
{
    bool held = s->go_fd >= 0;
    if (held) {
        ssize_t ignored = write(s->go_fd, "g", 1); /* a child gone already reports (or not) below */
        (void)ignored;
        close(s->go_fd);
        s->go_fd = -1;
    }
    int reported = read_report(s->sync_fd, held, err);
    close(s->sync_fd);
    s->sync_fd = -1;
    if (reported == 0)
        return 0;
    waitpid(s->pid, NULL, 0);
    int *fds[] = {&s->pidfd, &s->mnt_ns_fd, &s->stdout_fd, &s->stderr_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    return husk_error_wrap(err, "starting container %s", name);
}

void runtime_spawn_cancel(struct runtime_spawned *s)
{
    if (s->pidfd >= 0)
        syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
    int *fds[] = {&s->go_fd, &s->sync_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}
