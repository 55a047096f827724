/* The supervisor's start: filling the pod's namespaces it was born into (hostname, loopback up, the
 * pod's /dev/shm) and opening its socket, signalfd and epoll. Private to src/runtime. */
#ifndef HUSK_RUNTIME_SUPERVISOR_SETUP_H
#define HUSK_RUNTIME_SUPERVISOR_SETUP_H

#include "base/error.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"

int runtime_supervisor_setup(const char *state_dir, struct runtime_sandbox_info *ret_info,
                             const struct runtime_cgroup_manager **ret_cgroups, pid_t *ret_host_pid,
                             husk_error *err);

int runtime_supervisor_listen(const char *state_dir, int *ret_listen_fd, int *ret_signal_fd,
                              int *ret_epoll_fd, husk_error *err);

/* Gives back to the kernel the stack pages below the caller's frame (minus a margin), which deeper
 * calls dirtied (setup, a container start) and which would otherwise stay resident for the pod's life. */
void runtime_supervisor_trim_stack(void);

#endif
