/* See client.h. */
#include "runtime/client.h"

#include "base/cleanup.h"
#include "runtime/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int runtime_supervisor_address(const char *state_dir, struct sockaddr_un *ret_addr, int *ret_dir_fd,
                               husk_error *err)
{
    *ret_addr = (struct sockaddr_un){.sun_family = AF_UNIX};
    *ret_dir_fd = -1;
    if ((size_t)snprintf(ret_addr->sun_path, sizeof ret_addr->sun_path, "%s/" RUNTIME_SUPERVISOR_SOCKET,
                         state_dir) < sizeof ret_addr->sun_path)
        return 0;
    int dir = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return husk_error_set_errno(err, errno, "opening the state dir %s", state_dir);
    snprintf(ret_addr->sun_path, sizeof ret_addr->sun_path, "/proc/self/fd/%d/" RUNTIME_SUPERVISOR_SOCKET,
             dir);
    *ret_dir_fd = dir;
    return 0;
}

int runtime_supervisor_request(const char *state_dir, const char *request, char *reply, size_t reply_size,
                               husk_error *err)
{
    struct sockaddr_un addr;
    cleanup_close int dir = -1;
    if (runtime_supervisor_address(state_dir, &addr, &dir, err) < 0)
        return -1;
    cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        return husk_error_set_errno(err, errno, "connecting to the pod supervisor in %s", state_dir);
    /* Starting a container can take a moment (mounts); killing all of them at shutdown too. */
    struct timeval timeout = {60, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char line[RUNTIME_REQUEST_MAX + 2];
    int len = snprintf(line, sizeof line, "%s\n", request);
    if (len >= (int)sizeof line)
        return husk_error_set(err, E2BIG, "request too long: %s", request);
    if (send(fd, line, (size_t)len, MSG_NOSIGNAL) != len)
        return husk_error_set_errno(err, errno, "sending '%s' to the pod supervisor", request);
    char buf[HUSK_ERROR_MESSAGE_MAX + 32];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return husk_error_set_errno(err, errno, "reading the reply to '%s'", request);
        if (n == 0 || (got += (size_t)n) == sizeof buf - 1 || memchr(buf, '\n', got) != NULL)
            break;
    }
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strncmp(buf, "ok", 2) == 0) {
        snprintf(reply, reply_size, "%s", buf[2] == ' ' ? buf + 3 : "");
        return 0;
    }
    if (strncmp(buf, "error ", 6) == 0)
        return husk_error_set(err, EIO, "%s", buf + 6);
    return husk_error_set(err, EPROTO, "the pod supervisor answered '%s' to '%s'", buf, request);
}
