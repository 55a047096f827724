/* The pod's network namespace from the host side: pinned by a bind mount at STATE/netns, so that it
 * outlives the supervisor and CNI can always detach the pod (the bridge plugin removes its NAT rules only
 * when it can see the pod's addresses); and a function run inside it (probes and hooks that target the
 * pod's localhost). setns(CLONE_NEWNET) changes only the calling thread, so a fresh thread is entered and
 * dropped; the caller's own threads stay where they are. */
#include "runtime/runtime.h"

#include "base/cleanup.h"
#include "runtime/files.h"
#include "runtime/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void pin_path(const char *state_dir, char *buf, size_t size)
{
    snprintf(buf, size, "%s/netns", state_dir);
}

int runtime_netns_pin(const char *state_dir, pid_t pid, husk_error *err)
{
    char pin[4096], source[64];
    pin_path(state_dir, pin, sizeof pin);
    snprintf(source, sizeof source, "/proc/%d/ns/net", (int)pid);
    cleanup_close int fd = open(pin, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "creating %s", pin);
    if (mount(source, pin, NULL, MS_BIND, NULL) < 0)
        return husk_error_set_errno(err, errno, "pinning the pod's network namespace at %s", pin);
    return 0;
}

int runtime_netns_unpin(const char *state_dir, husk_error *err)
{
    char pin[4096];
    pin_path(state_dir, pin, sizeof pin);
    if (umount2(pin, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return husk_error_set_errno(err, errno, "unmounting %s", pin);
    if (unlink(pin) < 0 && errno != ENOENT)
        return husk_error_set_errno(err, errno, "removing %s", pin);
    return 0;
}

int runtime_sandbox_netns_path(const struct runtime_sandbox *sandbox, char *buf, size_t size)
{
    pin_path(sandbox->state_dir, buf, size);
    return access(buf, F_OK) == 0 ? 0 : -1;
}

int runtime_sandbox_set_etc_hosts(const struct runtime_sandbox *sandbox, const char *contents,
                                  husk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/etc/hosts", sandbox->state_dir);
    return runtime_write_file(path, contents, err);
}

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

int runtime_netns_call(const char *netns_path, int (*fn)(void *arg), void *arg, husk_error *err)
{
    cleanup_close int fd = open(netns_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening the network namespace %s", netns_path);
    struct netns_call call = {.netns_fd = fd, .fn = fn, .arg = arg, .result = -1};
    pthread_t thread;
    int r = pthread_create(&thread, NULL, netns_thread, &call);
    if (r != 0)
        return husk_error_set_errno(err, r, "starting a thread for the network namespace %s", netns_path);
    pthread_join(thread, NULL);
    if (call.setns_errno != 0)
        return husk_error_set_errno(err, call.setns_errno, "entering the network namespace %s", netns_path);
    return call.result;
}

int runtime_sandbox_in_netns(const struct runtime_sandbox *sandbox, int (*fn)(void *arg), void *arg,
                             husk_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)sandbox->supervisor_pid);
    return runtime_netns_call(path, fn, arg, err);
}
