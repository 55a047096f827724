/* The supervisor's start: filling the pod's namespaces it was born into (hostname, loopback up, the
 * pod's /dev/shm) and opening its socket, signalfd and epoll. Private to src/runtime. */
#ifndef HUSK_RUNTIME_SUPERVISOR_SETUP_H
#define HUSK_RUNTIME_SUPERVISOR_SETUP_H

#include "base/error.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"

/* Started by runtime_sandbox_create (sandbox.c), the supervisor makes itself the pod's sandbox: it loads
 * STATE_DIR/sandbox.json into *ret_info, enters the pod cgroup's supervisor leaf, unshares the pod's
 * namespaces and forks; the parent exits (so the supervisor is nobody's child in the caller) and the child,
 * PID 1 of the new PID namespace, returns. */
int runtime_supervisor_detach(const char *state_dir, struct runtime_sandbox_info *ret_info,
                              const struct runtime_cgroup_manager **ret_cgroups, husk_error *err);

/* Then fills the namespaces of info's pod (hostname, loopback, /dev/shm) and writes its pid file. */
int runtime_supervisor_setup(const char *state_dir, const struct runtime_sandbox_info *info,
                             pid_t *ret_host_pid, husk_error *err);

int runtime_supervisor_listen(const char *state_dir, int *ret_listen_fd, int *ret_signal_fd,
                              int *ret_epoll_fd, husk_error *err);

/* Gives back to the kernel the stack pages below the caller's frame (minus a margin), which deeper
 * calls dirtied (setup, a container start) and which would otherwise stay resident for the pod's life. */
void runtime_supervisor_trim_stack(void);

/* The supervisor's command line (/proc/PID/cmdline), which names its state dir: title_init takes note of
 * the memory main's argv strings hold, title_set writes "PROGRAM STATE_DIR" over them (left as it was if
 * it does not fit). */
void runtime_supervisor_title_init(int argc, char **argv);
void runtime_supervisor_title_set(const char *state_dir);
/* For a process cloned from the supervisor that is not it (a prepared container's, until its exec): its
 * command line becomes title alone, so that neither ps nor `pgrep -f husk-supervisor` takes it for one. */
void runtime_supervisor_title_replace(const char *title);

#endif
