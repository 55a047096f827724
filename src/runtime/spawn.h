/* Starting a container's process from the supervisor: clone3 into new mount and PID namespaces, join the
 * container's cgroup, build the root, apply the security context and exec, reporting any failure over a
 * CLOEXEC pipe. Also the pieces `exec` shares. Private to src/runtime; one of the few files that clones. */
#ifndef HUSK_RUNTIME_SPAWN_H
#define HUSK_RUNTIME_SPAWN_H

#include "base/error.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/runtime.h"

struct runtime_spawn_request {
    const struct runtime_container_config *config;
    const char *container_dir;
    const char *sandbox_dir;
    const struct runtime_sandbox_info *sandbox;
    const struct runtime_cgroup_manager *cgroups;
    const char *cgroup_path; /* the container's */
    bool hold; /* stop before exec until runtime_spawn_release: the child is made ready while its pod's init
                  containers run, and started once they are done */
};

struct runtime_spawned {
    pid_t pid;      /* in the caller's PID namespace */
    pid_t host_pid; /* in the host's, as seen through /proc */
    int pidfd;
    int stdout_fd; /* read ends; with a tty, stdout_fd is the pty master and stderr_fd is -1 */
    int stderr_fd;
    int mnt_ns_fd; /* the container's mount namespace, held (see supervisor.c); -1 if it could not be */
    int sync_fd;   /* held: the child's report, which runtime_spawn_release reads; else -1 */
    int go_fd;     /* held: one byte written lets it exec, closing it ends it; else -1 */
};

/* Returns once the child reached exec (or failed); with request->hold, at once after the clone. */
int runtime_container_spawn(const struct runtime_spawn_request *request, struct runtime_spawned *ret_spawned,
                            husk_error *err);
/* Lets a held child exec, and returns once it did (or failed: then it is reaped and its fds closed). */
int runtime_spawn_release(struct runtime_spawned *spawned, const char *name, husk_error *err);
/* Ends a held child (SIGKILL; it exec'd nothing) and closes its report and go fds; the caller reaps it. */
void runtime_spawn_cancel(struct runtime_spawned *spawned);

/* For a child about to exec: default signal handlers and an empty mask. */
void runtime_child_reset_signals(void);

/* Marks every fd above 2 close-on-exec (CVE-2024-21626: no host fd may reach the container). */
int runtime_child_close_fds(husk_error *err);

/* execve()s argv[0], searched in the PATH of env when it has no slash; returns only on failure. */
int runtime_child_exec(const char *const *argv, const char *const *env, husk_error *err);

/* Writes err's message to fd and _exit()s: how a child reports a failure to its parent. */
__attribute__((noreturn)) void runtime_child_fail(int fd, const husk_error *err);

/* The host PID of a pidfd, read from /proc/self/fdinfo. */
pid_t runtime_pidfd_host_pid(int pidfd);

#endif
