/* See action.h. Messages follow the kubelet's ("HTTP probe failed with statuscode: 500",
 * "dial tcp 127.0.0.1:80: connect: connection refused") so that events read as users know them. */
#include "node/action.h"

#include "base/cleanup.h"
#include "node/grpc_probe.h"
#include "node/http_probe.h"
#include "objects/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How much of an exec handler's output the message keeps (the kubelet keeps 10 KiB; events show less). */
#define EXEC_OUTPUT_MAX 1024

/* port: a number, or the name of one of the container's ports. */
static int resolve_port(const json_t *container, const json_t *port)
{
    if (json_is_integer(port))
        return (int)json_integer_value(port);
    const char *name = json_string_value(port);
    if (name == NULL)
        return -1;
    char *end;
    long n = strtol(name, &end, 10);
    if (*end == '\0' && end != name)
        return (int)n;
    size_t i;
    json_t *p;
    json_array_foreach(objects_get_array(container, "ports"), i, p)
    {
        const char *pname = objects_get_string(p, "name");
        int64_t number;
        if (pname != NULL && strcmp(pname, name) == 0 && objects_get_int(p, "containerPort", &number))
            return (int)number;
    }
    return -1;
}

struct net_check {
    const json_t *spec;
    int port;
    int timeout_ms;
    char *message;
    size_t message_size;
};

static int tcp_check(void *arg)
{
    struct net_check *c = arg;
    cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)c->port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return snprintf(c->message, c->message_size, "socket: %s", strerror(errno)), 0;
    int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int err = 0;
        socklen_t len = sizeof err;
        if (poll(&p, 1, c->timeout_ms) <= 0) {
            snprintf(c->message, c->message_size, "dial tcp 127.0.0.1:%d: i/o timeout", c->port);
            return 0;
        }
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        errno = err;
        r = err == 0 ? 0 : -1;
    }
    if (r < 0) {
        snprintf(c->message, c->message_size, "dial tcp 127.0.0.1:%d: connect: %s", c->port, strerror(errno));
        return 0;
    }
    return 1;
}

/* Up to this many of the handler's httpHeaders are sent (the API server allows any number; a probe's few). */
#define HTTP_HEADERS_MAX 64

static int http_check(void *arg)
{
    struct net_check *c = arg;
    const char *scheme = objects_get_string(c->spec, "scheme");
    struct node_http_header headers[HTTP_HEADERS_MAX];
    struct node_http_request request = {.https = scheme != NULL && strcmp(scheme, "HTTPS") == 0,
                                        .host = "127.0.0.1",
                                        .port = c->port,
                                        .path = objects_get_string(c->spec, "path"),
                                        .headers = headers,
                                        .timeout_ms = c->timeout_ms};
    size_t i;
    json_t *h;
    json_array_foreach(objects_get_array(c->spec, "httpHeaders"), i, h)
    {
        if (request.n_headers < HTTP_HEADERS_MAX)
            headers[request.n_headers++] =
                (struct node_http_header){objects_get_string(h, "name"), objects_get_string(h, "value")};
    }
    /* A warning (a redirect to another host) counts as success, as the kubelet's prober counts it. */
    return node_http_probe(&request, c->message, c->message_size) != NODE_HTTP_FAILURE;
}

static int grpc_check(void *arg)
{
    struct net_check *c = arg;
    return node_grpc_probe("127.0.0.1", c->port, objects_get_string(c->spec, "service"), c->timeout_ms,
                           c->message, c->message_size);
}

static bool exec_handler(const struct runtime_sandbox *sandbox, const json_t *container, const json_t *exec,
                         int timeout_seconds, char *message, size_t message_size)
{
    json_t *command = objects_get_array(exec, "command");
    size_t n = json_array_size(command);
    const char *argv[n + 1];
    for (size_t i = 0; i < n; i++)
        argv[i] = json_string_value(json_array_get(command, i))
                      ? json_string_value(json_array_get(command, i))
                      : "";
    argv[n] = NULL;
    if (n == 0) {
        snprintf(message, message_size, "exec: no command");
        return false;
    }
    cleanup_close int out = memfd_create("husk-exec-output", MFD_CLOEXEC);
    struct runtime_exec_config config = {.argv = argv,
                                         .stdin_fd = -1,
                                         .stdout_fd = out,
                                         .stderr_fd = out,
                                         .timeout_ms = timeout_seconds * 1000};
    int code = -1;
    husk_error err = {0};
    if (out < 0 ||
        runtime_container_exec(sandbox, objects_get_string(container, "name"), &config, &code, &err) < 0) {
        snprintf(message, message_size, "exec: %s", out < 0 ? strerror(errno) : err.message);
        return false;
    }
    if (code == 0)
        return true;
    char output[EXEC_OUTPUT_MAX + 1];
    ssize_t len = pread(out, output, EXEC_OUTPUT_MAX, 0);
    output[len > 0 ? len : 0] = '\0';
    snprintf(message, message_size, "command %s exited with %d: %s", argv[0], code, output);
    return false;
}

bool node_action_run(const struct runtime_sandbox *sandbox, const json_t *container, const json_t *handler,
                     int timeout_seconds, char *message, size_t message_size)
{
    message[0] = '\0';
    json_t *exec = objects_get_object(handler, "exec"), *http = objects_get_object(handler, "httpGet");
    json_t *tcp = objects_get_object(handler, "tcpSocket"),
           *sleep_spec = objects_get_object(handler, "sleep");
    json_t *grpc = objects_get_object(handler, "grpc");
    if (exec != NULL)
        return exec_handler(sandbox, container, exec, timeout_seconds, message, message_size);
    if (sleep_spec != NULL) {
        int64_t seconds = 0;
        objects_get_int(sleep_spec, "seconds", &seconds);
        struct timespec ts = {seconds, 0};
        nanosleep(&ts, NULL);
        return true;
    }
    json_t *spec = http != NULL ? http : tcp != NULL ? tcp : grpc;
    if (spec == NULL) {
        snprintf(message, message_size, "the handler has no exec, httpGet, tcpSocket, grpc or sleep");
        return false;
    }
    struct net_check check = {.spec = spec,
                              .port = resolve_port(container, json_object_get(spec, "port")),
                              .timeout_ms = (timeout_seconds > 0 ? timeout_seconds : 1) * 1000,
                              .message = message,
                              .message_size = message_size};
    if (check.port <= 0) {
        snprintf(message, message_size, "invalid port");
        return false;
    }
    husk_error err = {0};
    int r = runtime_sandbox_in_netns(sandbox,
                                     http != NULL  ? http_check
                                     : tcp != NULL ? tcp_check
                                                   : grpc_check,
                                     &check, &err);
    if (r < 0)
        snprintf(message, message_size, "%s", err.message);
    return r == 1;
}
