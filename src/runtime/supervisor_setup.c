/* See supervisor_setup.h. */
#include "runtime/supervisor_setup.h"

#include "runtime/client.h"

#include "base/cleanup.h"
#include "runtime/files.h"
#include "runtime/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int loopback_up(husk_error *err)
{
    cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "socket");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return husk_error_set_errno(err, errno, "reading the flags of lo");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return husk_error_set_errno(err, errno, "bringing lo up");
    return 0;
}

/* The supervisor's own mount namespace holds the pod's /dev/shm, so it never appears on the host and
 * disappears with the supervisor. */
static int mount_shm(const char *state_dir, husk_error *err)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return husk_error_set_errno(err, errno, "making / a slave mount");
    char shm[4096];
    snprintf(shm, sizeof shm, "%s/shm", state_dir);
    if (mkdir(shm, 0755) < 0 && errno != EEXIST)
        return husk_error_set_errno(err, errno, "creating %s", shm);
    if (mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
        return husk_error_set_errno(err, errno, "mounting the pod's /dev/shm");
    return 0;
}

int runtime_supervisor_detach(const char *state_dir, struct runtime_sandbox_info *ret_info,
                              const struct runtime_cgroup_manager **ret_cgroups, husk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sandbox.json", state_dir);
    if (runtime_sandbox_info_load(path, ret_info, err) < 0 ||
        runtime_cgroup_manager_get(ret_cgroups, err) < 0)
        return -1;
    const struct runtime_sandbox_info *info = ret_info;
    /* A leaf of the pod cgroup (cgroup v2 allows no process beside child cgroups), so that removing the
     * pod's cgroup kills the supervisor too if it no longer answers; entered while this process has one
     * thread, so v1 moves it without the global lock (see cgroup_v1.c). */
    snprintf(path, sizeof path, "%s/supervisor", info->cgroup_path);
    if ((*ret_cgroups)->enter(path, 0, err) < 0)
        return -1;
    int flags = CLONE_NEWNS | (info->host_network ? 0 : CLONE_NEWNET | CLONE_NEWUTS) |
                (info->host_ipc ? 0 : CLONE_NEWIPC) | (info->host_pid ? 0 : CLONE_NEWPID);
    if (unshare(flags) < 0)
        return husk_error_set_errno(err, errno, "creating the pod's namespaces");
    pid_t pid = fork();
    if (pid < 0)
        return husk_error_set_errno(err, errno, "fork");
    if (pid > 0)
        _exit(0);
    return 0;
}

int runtime_supervisor_setup(const char *state_dir, const struct runtime_sandbox_info *info,
                             pid_t *ret_host_pid, husk_error *err)
{
    char path[4096];
    /* With hostPID the supervisor is not PID 1 of anything: orphans of the pod must still come to it. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (!info->host_network) {
        if (sethostname(info->hostname, strlen(info->hostname)) < 0)
            return husk_error_set_errno(err, errno, "setting the hostname %s", info->hostname);
        if (loopback_up(err) < 0)
            return -1;
    }
    if (mount_shm(state_dir, err) < 0)
        return -1;
    /* /proc here is the host's, so /proc/self names our host PID (getpid() says 1). */
    char self[32] = "";
    ssize_t n = readlink("/proc/self", self, sizeof self - 1);
    *ret_host_pid = n > 0 ? (pid_t)strtol(self, NULL, 10) : getpid();
    snprintf(path, sizeof path, "%s/supervisor.pid", state_dir);
    snprintf(self, sizeof self, "%d\n", (int)*ret_host_pid);
    return runtime_write_file_atomic(path, self, err);
}

int runtime_supervisor_listen(const char *state_dir, int *ret_listen_fd, int *ret_signal_fd,
                              int *ret_epoll_fd, husk_error *err)
{
    struct sockaddr_un addr;
    cleanup_close int dir = -1;
    if (runtime_supervisor_address(state_dir, &addr, &dir, err) < 0)
        return -1;
    unlink(addr.sun_path);
    cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* Only root may talk to the supervisor: the socket is made with no permission for anyone else. */
    mode_t old = umask(0077);
    int r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (r < 0 || listen(fd, 16) < 0)
        return husk_error_set_errno(err, errno, "listening on %s/" RUNTIME_SUPERVISOR_SOCKET, state_dir);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    cleanup_close int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    cleanup_close int efd = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || efd < 0)
        return husk_error_set_errno(err, errno, "signalfd/epoll");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return husk_error_set_errno(err, errno, "epoll_ctl");
    ev.data.fd = sfd;
    if (epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev) < 0)
        return husk_error_set_errno(err, errno, "epoll_ctl");
    *ret_listen_fd = steal_fd(&fd);
    *ret_signal_fd = steal_fd(&sfd);
    *ret_epoll_fd = steal_fd(&efd);
    return 0;
}

void runtime_supervisor_trim_stack(void)
{
    static void *stack_low;
    if (stack_low == NULL) {
        cleanup_fclose FILE *maps = fopen("/proc/self/maps", "re");
        char line[512];
        while (maps != NULL && fgets(line, sizeof line, maps) != NULL)
            if (strstr(line, "[stack]") != NULL && sscanf(line, "%p-", &stack_low) != 1)
                stack_low = NULL;
        if (stack_low == NULL)
            return;
    }
    /* Nothing below the current frame is live: there are no signal handlers (signals come through a
     * signalfd), so only this function's own callee (madvise) uses the page of margin. */
    char here;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *top = &here - page;
    top -= (uintptr_t)top & (page - 1);
    if (top > (char *)stack_low)
        madvise(stack_low, (size_t)(top - (char *)stack_low), MADV_DONTNEED);
}

static char *title_start, *title_end; /* the argv strings, contiguous in memory */

void runtime_supervisor_title_init(int argc, char **argv)
{
    title_start = argv[0];
    title_end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
}

void runtime_supervisor_title_replace(const char *title)
{
    if (title_start == NULL)
        return;
    size_t room = (size_t)(title_end - title_start);
    memset(title_start, 0, room);
    snprintf(title_start, room, "%s", title);
}

void runtime_supervisor_title_set(const char *state_dir)
{
    if (title_start == NULL)
        return;
    size_t room = (size_t)(title_end - title_start), program = strlen(title_start) + 1;
    if (program >= room)
        return;
    /* "PROGRAM\0STATE_DIR\0\0...": /proc/PID/cmdline reads the area as the argument strings. */
    memset(title_start + program, 0, room - program);
    snprintf(title_start + program, room - program, "%s", state_dir);
}
