/* exec into a running container, from the caller's process (as `runc exec` does; the supervisor is not
 * involved): a child joins the container's cgroup and, through a pidfd, all its namespaces at once
 * (setns with CLONE_NEW* flags, Linux 5.8); it forks a grandchild, which is then inside the PID
 * namespace, takes the container's user, capabilities, no_new_privs and seccomp, and execs. The child
 * turns the grandchild's end into its own exit status. With a tty, the child opens the pty inside the
 * container's mount namespace (its /dev/pts, a devpts instance of its own) and passes the master back over
 * a socket (SCM_RIGHTS), as runc does: a pty of the host's devpts would not be found under the container's
 * /dev/pts, and `tty` would say "not a tty". One of the few files that calls setns(2). */
#include "runtime/runtime.h"

#include "base/cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/security.h"
#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct exec_child {
    const struct runtime_exec_config *exec;
    const struct runtime_container_config *config;
    const struct runtime_cgroup_manager *cgroups;
    char cgroup[1200];
    int pidfd, sync, tty_slave;
    int tty_socket; /* the child's end of the socket the pty master goes back on; -1 without a tty */
    int timed_out;  /* write end: the intermediate child says here that it killed a process over time */
};

static void exec_stdio(const struct exec_child *x, husk_error *err)
{
    if (x->tty_slave >= 0) {
        setsid();
        ioctl(x->tty_slave, TIOCSCTTY, 0);
        for (int i = 0; i < 3; i++)
            dup2(x->tty_slave, i);
        return;
    }
    int in = x->exec->stdin_fd >= 0 ? x->exec->stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0 || dup2(in, 0) < 0 || dup2(x->exec->stdout_fd, 1) < 0 || dup2(x->exec->stderr_fd, 2) < 0) {
        husk_error_set_errno(err, errno, "setting up stdio");
        runtime_child_fail(x->sync, err);
    }
}

__attribute__((noreturn)) static void exec_grandchild(const struct exec_child *x)
{
    husk_error err = {0};
    runtime_child_reset_signals();
    exec_stdio(x, &err);
    const char *cwd = x->config->cwd != NULL && x->config->cwd[0] != '\0' ? x->config->cwd : "/";
    if (chdir(cwd) < 0) {
        husk_error_set_errno(&err, errno, "working directory %s", cwd);
        runtime_child_fail(x->sync, &err);
    }
    if (runtime_security_apply(x->config, &err) < 0 || runtime_child_close_fds(&err) < 0)
        runtime_child_fail(x->sync, &err);
    runtime_child_exec(x->exec->argv, x->exec->env != NULL ? x->exec->env : x->config->env, &err);
    runtime_child_fail(x->sync, &err);
}

/* In the container's mount namespace: a pty of its devpts; the master goes to the caller, the slave to
 * the grandchild. */
static void open_container_pty(struct exec_child *x, husk_error *err)
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || unlockpt(master) < 0) {
        husk_error_set_errno(err, errno, "opening the container's /dev/ptmx");
        runtime_child_fail(x->sync, err);
    }
    x->tty_slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (x->tty_slave < 0) {
        husk_error_set_errno(err, errno, "opening the container's pty");
        runtime_child_fail(x->sync, err);
    }
    char control[CMSG_SPACE(sizeof(int))] = {0};
    char byte = 't';
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
    if (sendmsg(x->tty_socket, &msg, MSG_NOSIGNAL) < 0) {
        husk_error_set_errno(err, errno, "passing the pty on");
        runtime_child_fail(x->sync, err);
    }
    close(master);
    close(x->tty_socket);
}

__attribute__((noreturn)) static void exec_child(struct exec_child *x)
{
    husk_error err = {0};
    if (x->cgroups->enter(x->cgroup, 0, &err) < 0)
        runtime_child_fail(x->sync, &err);
    runtime_oom_score_adj_set(x->config->oom_score_adj);
    if (setns(x->pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
        husk_error_set_errno(&err, errno, "joining the container's namespaces");
        runtime_child_fail(x->sync, &err);
    }
    if (x->tty_socket >= 0)
        open_container_pty(x, &err);
    pid_t pid = fork();
    if (pid < 0) {
        husk_error_set_errno(&err, errno, "fork");
        runtime_child_fail(x->sync, &err);
    }
    if (pid == 0)
        exec_grandchild(x);
    close(x->sync);
    /* Hold none of the caller's fds while the process runs (only the time-out pipe): a pipe end kept here
     * would keep its reader from seeing EOF, the exec's own stdin included; and the pty master reads EIO
     * once the process and its children have closed the slave. */
    if (x->timed_out > 3)
        close_range(3, (unsigned)x->timed_out - 1, 0);
    close_range((unsigned)x->timed_out + 1, ~0U, 0);
    int status = 0;
    /* With a timeout (probes, hooks), poll for the end and kill the process when its time is up. */
    for (int waited = 0; x->exec->timeout_ms > 0; waited += 10) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        if (done < 0 && errno != EINTR)
            _exit(127);
        if (waited >= x->exec->timeout_ms) {
            kill(pid, SIGKILL);
            ssize_t ignored = write(x->timed_out, "t", 1);
            (void)ignored;
            break;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* Copies between the caller's fds and the pty master until the process's side closes. */
static void pump_tty(int master, int in_fd, int out_fd)
{
    char buf[4096];
    struct pollfd fds[2] = {{master, POLLIN, 0}, {in_fd, POLLIN, 0}};
    for (;;) {
        if (poll(fds, in_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (fds[0].revents != 0) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0)
                return; /* EIO: the last slave fd closed */
            if (write(out_fd, buf, (size_t)n) < 0)
                return;
        }
        if (in_fd >= 0 && fds[1].revents != 0) {
            ssize_t n = read(in_fd, buf, sizeof buf);
            if (n <= 0 || write(master, buf, (size_t)n) < 0)
                fds[1].fd = -1;
        }
    }
}

/* The pty master the child sends; -1 when it failed first (it says why on the sync pipe). */
static int receive_pty(int sock)
{
    char control[CMSG_SPACE(sizeof(int))] = {0};
    char byte;
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n;
    while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    int fd = -1;
    if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
}

/* tty_socket: the caller's end of the pty socket, or -1 (taken). */
static int run_exec(struct exec_child *x, int tty_socket_fd, int *ret_exit_code, husk_error *err)
{
    cleanup_close int tty_socket = tty_socket_fd;
    int sync[2], timed_out[2];
    if (pipe2(sync, O_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "pipe");
    if (pipe2(timed_out, O_CLOEXEC | O_NONBLOCK) < 0) {
        close(sync[0]);
        close(sync[1]);
        return husk_error_set_errno(err, errno, "pipe");
    }
    cleanup_close int timed_out_read = timed_out[0];
    x->sync = sync[1];
    x->timed_out = timed_out[1];
    pid_t pid = fork();
    if (pid == 0) {
        close(sync[0]);
        exec_child(x);
    }
    close(sync[1]);
    close(timed_out[1]);
    if (x->tty_socket >= 0)
        close(x->tty_socket);
    if (pid < 0) {
        close(sync[0]);
        return husk_error_set_errno(err, errno, "fork");
    }
    cleanup_close int master = tty_socket >= 0 ? receive_pty(tty_socket) : -1;
    if (master >= 0 && x->exec->tty_master != NULL)
        x->exec->tty_master(fcntl(master, F_DUPFD_CLOEXEC, 0), x->exec->tty_master_arg);
    char message[HUSK_ERROR_MESSAGE_MAX];
    ssize_t n;
    while ((n = read(sync[0], message, sizeof message - 1)) < 0 && errno == EINTR)
        ;
    close(sync[0]);
    if (n <= 0 && master >= 0)
        pump_tty(master, x->exec->stdin_fd, x->exec->stdout_fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n > 0) {
        message[n] = '\0';
        return husk_error_set(err, EINVAL, "exec in container %s: %s", x->config->name, message);
    }
    char flag;
    if (read(timed_out_read, &flag, 1) == 1)
        return husk_error_set(err, ETIMEDOUT, "command timed out after %dms", x->exec->timeout_ms);
    *ret_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

int runtime_container_exec(const struct runtime_sandbox *s, const char *name,
                           const struct runtime_exec_config *e, int *ret_exit_code, husk_error *err)
{
    struct runtime_container_status st;
    if (runtime_container_status(s, name, &st, err) < 0)
        return -1;
    if (st.state != RUNTIME_CONTAINER_RUNNING)
        return husk_error_set(err, EINVAL, "container %s is not running", name);
    char path[4400];
    snprintf(path, sizeof path, "%s/containers/%s/config.json", s->state_dir, name);
    struct runtime_loaded_container *loaded = NULL;
    if (runtime_container_config_load(path, &loaded, err) < 0)
        return -1;
    struct exec_child x = {
        .exec = e, .config = &loaded->config, .pidfd = -1, .tty_slave = -1, .tty_socket = -1};
    snprintf(x.cgroup, sizeof x.cgroup, "%s/%s", s->cgroup_path, name);
    int caller_socket = -1, r = -1;
    if (runtime_cgroup_manager_get(&x.cgroups, err) < 0)
        goto out;
    x.pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
    if (x.pidfd < 0) {
        husk_error_set_errno(err, errno, "container %s (pid %d)", name, (int)st.pid);
        goto out;
    }
    int sv[2];
    if (e->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        husk_error_set_errno(err, errno, "socketpair for the tty");
        goto out;
    }
    if (e->tty) {
        caller_socket = sv[0];
        x.tty_socket = sv[1];
    }
    r = run_exec(&x, caller_socket, ret_exit_code, err);
out:
    if (x.pidfd >= 0)
        close(x.pidfd);
    runtime_loaded_container_free(loaded);
    return r;
}
