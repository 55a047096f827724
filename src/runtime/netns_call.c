/* Running a function inside a pod's network namespace, for what the node does from the host side but
 * must do from within the pod while pods have no address of their own (probes and httpGet hooks on the
 * pod's localhost). setns(CLONE_NEWNET) changes only the calling thread, so a fresh thread is entered and
 * dropped; the caller's own threads stay where they are. */
#include "runtime/runtime.h"

#include "base/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

struct netns_call {
    int netns_fd;
    int (*fn)(void *arg);
    void *arg;
    int result;
    int setns_errno;
};

static void *netns_thread(void *p)
{
    struct netns_call *call = p;
    if (setns(call->netns_fd, CLONE_NEWNET) < 0) {
        call->setns_errno = errno;
        return NULL;
    }
    call->result = call->fn(call->arg);
    return NULL;
}

int runtime_sandbox_in_netns(const struct runtime_sandbox *sandbox, int (*fn)(void *arg), void *arg,
                             husk_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)sandbox->supervisor_pid);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening the pod's network namespace %s", path);
    struct netns_call call = {.netns_fd = fd, .fn = fn, .arg = arg, .result = -1};
    pthread_t thread;
    int r = pthread_create(&thread, NULL, netns_thread, &call);
    if (r != 0)
        return husk_error_set_errno(err, r, "starting a thread for the pod's network namespace");
    pthread_join(thread, NULL);
    if (call.setns_errno != 0)
        return husk_error_set_errno(err, call.setns_errno, "entering the pod's network namespace");
    return call.result;
}
