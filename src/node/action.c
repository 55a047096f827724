/* See action.h. Messages follow the kubelet's ("HTTP probe failed with statuscode: 500",
 * "dial tcp 127.0.0.1:80: connect: connection refused") so that events read as users know them. */
#include "node/action.h"

#include "base/cleanup.h"
#include "objects/pod.h"

#include <curl/curl.h>
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

static size_t discard(char *data, size_t size, size_t n, void *user)
{
    (void)data;
    (void)user;
    return size * n;
}

static int http_check(void *arg)
{
    struct net_check *c = arg;
    const char *scheme = objects_get_string(c->spec, "scheme");
    const char *path = objects_get_string(c->spec, "path");
    char url[2048];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d%s%s",
             scheme && strcmp(scheme, "HTTPS") == 0 ? "https" : "http", c->port,
             path && path[0] == '/' ? "" : "/", path ? path : "");
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "User-Agent: kube-probe/1.32");
    size_t i;
    json_t *h;
    json_array_foreach(objects_get_array(c->spec, "httpHeaders"), i, h)
    {
        char line[1024];
        snprintf(line, sizeof line, "%s: %s",
                 objects_get_string(h, "name") ? objects_get_string(h, "name") : "",
                 objects_get_string(h, "value") ? objects_get_string(h, "value") : "");
        headers = curl_slist_append(headers, line);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    /* The kubelet does not verify a pod's certificate. */
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        snprintf(c->message, c->message_size, "Get \"%s\": %s", url, curl_easy_strerror(rc));
        return 0;
    }
    if (code < 200 || code >= 400) {
        snprintf(c->message, c->message_size, "HTTP probe failed with statuscode: %ld", code);
        return 0;
    }
    return 1;
}

/* gRPC health checking (grpc.health.v1.Health/Check) over HTTP/2 without TLS, as the kubelet's grpc
 * probe does: a length-prefixed HealthCheckRequest{service}, a HealthCheckResponse{status} back, and
 * grpc-status 0 in the trailers. The two messages are one optional field each, so they are written and
 * read here rather than through a protobuf library. */
struct grpc_reply {
    unsigned char body[4096];
    size_t len;
    int status; /* grpc-status, -1 until seen */
};

static size_t grpc_body(char *data, size_t size, size_t n, void *user)
{
    struct grpc_reply *r = user;
    size_t len = size * n, room = sizeof r->body - r->len;
    memcpy(r->body + r->len, data, len < room ? len : room);
    r->len += len < room ? len : room;
    return len;
}

static size_t grpc_header(char *line, size_t size, size_t n, void *user)
{
    struct grpc_reply *r = user;
    if (size * n > 12 && strncasecmp(line, "grpc-status:", 12) == 0)
        r->status = atoi(line + 12);
    return size * n;
}

static int grpc_check(void *arg)
{
    static const char *const names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
    struct net_check *c = arg;
    const char *service = objects_get_string(c->spec, "service");
    size_t slen = service ? strlen(service) : 0;
    if (slen > 100) {
        snprintf(c->message, c->message_size, "grpc service name too long");
        return 0;
    }
    unsigned char request[128] = {0};
    size_t mlen = slen ? 2 + slen : 0;
    request[4] = (unsigned char)mlen;
    if (slen) {
        request[5] = 0x0a; /* field 1, length-delimited */
        request[6] = (unsigned char)slen;
        memcpy(request + 7, service, slen);
    }
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/grpc.health.v1.Health/Check", c->port);
    struct grpc_reply reply = {.status = -1};
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/grpc");
    headers = curl_slist_append(headers, "TE: trailers");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)request);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)(5 + mlen));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, grpc_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, grpc_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || reply.status != 0) {
        if (rc != CURLE_OK)
            snprintf(c->message, c->message_size, "failed to connect service \"127.0.0.1:%d\" within %ds: %s",
                     c->port, c->timeout_ms / 1000, curl_easy_strerror(rc));
        else
            snprintf(c->message, c->message_size, "health rpc failed: grpc-status %d", reply.status);
        return 0;
    }
    /* After the 5-byte frame header: field 1 (status) as a varint, absent meaning UNKNOWN. */
    int status = reply.len >= 7 && reply.body[5] == 0x08 ? reply.body[6] : 0;
    if (status == 1)
        return 1;
    snprintf(c->message, c->message_size, "service unhealthy (responded with \"%s\")",
             status >= 0 && status < 4 ? names[status] : "UNKNOWN");
    return 0;
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
