/* See http_client.h. The request asks the server to close the connection after the reply, so a body without
 * a length ends with the connection; the reply is read with http_reply.c. */
#include "cli/http_client.h"
#include "cli/http_reply.h"

#include "base/cleanup.h"
#include "base/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Waits for events on fd until the deadline (-1: none); 0 when the wait timed out. */
static int wait_for(int fd, short events, int64_t deadline)
{
    for (;;) {
        int timeout = -1;
        if (deadline >= 0) {
            int64_t left = deadline - husk_now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, timeout);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

static int send_all(int fd, const char *data, size_t len, int64_t deadline)
{
    while (len > 0) {
        int ready = wait_for(fd, POLLOUT, deadline);
        if (ready == 0)
            errno = ETIMEDOUT;
        if (ready <= 0)
            return -1;
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int connect_to(const char *sock, husk_error *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(sock) >= sizeof addr.sun_path)
        return husk_error_set(err, ENAMETOOLONG, "the daemon's socket path is too long: %s", sock);
    memcpy(addr.sun_path, sock, strlen(sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "creating a socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED)
            return husk_error_set(err, ECONNREFUSED,
                                  "cannot reach the husk daemon at %s: is `husk daemon` running?", sock);
        return husk_error_set_errno(err, e, "connecting to the husk daemon at %s", sock);
    }
    return fd;
}

int cli_http_exchange(const char *sock, const char *method, const char *path, const char *content_type,
                      const char *body, int timeout_ms,
                      int (*on_body)(void *data, long code, const char *bytes, size_t len), void *data,
                      long *ret_code, husk_error *err)
{
    *ret_code = 0;
    int64_t deadline = timeout_ms < 0 ? -1 : husk_now_ms() + timeout_ms;
    cleanup_close int fd = connect_to(sock, err);
    if (fd < 0)
        return -1;
    size_t body_len = body != NULL ? strlen(body) : 0;
    cleanup_free char *head = NULL;
    int head_len = asprintf(&head,
                            "%s %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
                            "Connection: close\r\n%s%s%sContent-Length: %zu\r\n\r\n",
                            method, path, content_type ? "Content-Type: " : "",
                            content_type ? content_type : "", content_type ? "\r\n" : "", body_len);
    if (head_len < 0) {
        head = NULL;
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    if (send_all(fd, head, (size_t)head_len, deadline) < 0 || send_all(fd, body, body_len, deadline) < 0)
        return husk_error_set_errno(err, errno, "sending a request to the husk daemon at %s", sock);
    struct cli_http_reply *reply = malloc(sizeof *reply);
    if (reply == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    cli_http_reply_init(reply, on_body, data);
    char buf[16384];
    int r = 0;
    for (;;) {
        int ready = wait_for(fd, POLLIN, deadline);
        if (ready <= 0) {
            r = ready == 0 ? husk_error_set(err, ETIMEDOUT, "no reply from the husk daemon at %s in %d s",
                                            sock, timeout_ms / 1000)
                           : husk_error_set_errno(err, errno, "waiting for the husk daemon at %s", sock);
            break;
        }
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = husk_error_set_errno(err, errno, "reading the reply of the husk daemon at %s", sock);
            break;
        }
        if (n == 0) {
            if (!cli_http_reply_eof(reply))
                r = husk_error_set(
                    err, EIO, "the husk daemon at %s closed the connection in the middle of its reply", sock);
            break;
        }
        cli_http_reply_feed(reply, buf, (size_t)n);
        if (reply->state == CLI_HTTP_ERROR) {
            r = husk_error_set(err, EIO, "the husk daemon at %s sent a malformed reply: %s", sock,
                               reply->error);
            break;
        }
        if (reply->state == CLI_HTTP_DONE || reply->stopped)
            break;
    }
    *ret_code = reply->code;
    free(reply);
    return r;
}

char *cli_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
