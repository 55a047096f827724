/* See http_probe.h. The kubelet's prober (pkg/probe/http/http.go, request.go) with its client's settings:
 * no keep-alive ("Connection: close"), no compression, TLS without verification, and its redirect
 * checker (followNonLocalRedirects false). Messages are Go's, so that events read as users know them. */
#include "node/http_probe.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "node/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define USER_AGENT    "kube-probe/1.32"
#define MAX_REDIRECTS 10
#define BODY_MAX      (10 * 1024) /* the prober's maxRespBodyLength */
#define HEAD_MAX      (64 * 1024)
#define TIMEOUT_TEXT  "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"

struct target {
    bool https;
    char host[256];
    int port;
    char path[2048];
};

struct conn {
    int fd;
    gnutls_session_t tls;
    gnutls_certificate_credentials_t credentials;
    int64_t deadline_ms;
};

struct response {
    char data[HEAD_MAX + BODY_MAX];
    size_t len;
    size_t head_len; /* 0 until the header's end is in */
    int status;
    long long content_length; /* -1: not given */
    bool chunked;
};

/* What is left of the time limit in ms; 0 when it is over. */
static int remaining_ms(const struct conn *c)
{
    int64_t left = c->deadline_ms - husk_now_ms();
    return left > 0 ? (int)left : 0;
}

static void conn_close(struct conn *c)
{
    if (c->tls != NULL)
        gnutls_deinit(c->tls);
    if (c->credentials != NULL)
        gnutls_certificate_free_credentials(c->credentials);
    if (c->fd >= 0)
        close(c->fd);
    c->tls = NULL;
    c->credentials = NULL;
    c->fd = -1;
}

void node_probe_set_timeouts(int fd, int64_t deadline_ms)
{
    int64_t left = deadline_ms - husk_now_ms();
    int ms = left > 0 ? (int)left : 0;
    /* A zero timeval would mean no limit: an expired one waits 1 us. */
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 + (ms == 0)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int node_probe_dial(const char *host, int port, int64_t deadline_ms, char *message, size_t size)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return snprintf(message, size, "dial tcp: lookup %s: no such host", host), -1;
    cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return snprintf(message, size, "dial tcp %s:%d: socket: %s", host, port, strerror(errno)), -1;
    int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int64_t left = deadline_ms - husk_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return snprintf(message, size, "dial tcp %s:%d: i/o timeout", host, port), -1;
        int e = 0;
        socklen_t len = sizeof e;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
        errno = e;
        r = e == 0 ? 0 : -1;
    }
    if (r < 0)
        return snprintf(message, size, "dial tcp %s:%d: connect: %s", host, port, strerror(errno)), -1;
    /* Blocking from here, each read and write bounded by what is left of the time limit. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    node_probe_set_timeouts(fd, deadline_ms);
    return steal_fd(&fd);
}

/* TLS as the kubelet's probe client: InsecureSkipVerify, so any certificate is accepted. */
static int tls_start(struct conn *c, char *message, size_t size)
{
    int rc = gnutls_certificate_allocate_credentials(&c->credentials);
    if (rc == GNUTLS_E_SUCCESS)
        rc = gnutls_init(&c->tls, GNUTLS_CLIENT);
    if (rc == GNUTLS_E_SUCCESS)
        rc = gnutls_set_default_priority(c->tls);
    if (rc == GNUTLS_E_SUCCESS)
        rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->credentials);
    if (rc == GNUTLS_E_SUCCESS) {
        gnutls_transport_set_int(c->tls, c->fd);
        gnutls_handshake_set_timeout(c->tls, (unsigned)remaining_ms(c) + 1);
        node_probe_set_timeouts(c->fd, c->deadline_ms);
        do
            rc = gnutls_handshake(c->tls);
        while (rc < 0 && gnutls_error_is_fatal(rc) == 0 && rc != GNUTLS_E_AGAIN && remaining_ms(c) > 0);
    }
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_TIMEDOUT)
        return snprintf(message, size, "net/http: TLS handshake timeout"), -1;
    if (rc < 0)
        return snprintf(message, size, "remote error: tls: %s", gnutls_strerror(rc)), -1;
    return 0;
}

static ssize_t conn_send(struct conn *c, const char *data, size_t len)
{
    node_probe_set_timeouts(c->fd, c->deadline_ms);
    if (c->tls == NULL)
        return husk_write_all(c->fd, data, len) < 0 ? -1 : (ssize_t)len;
    size_t done = 0;
    while (done < len) {
        ssize_t n = gnutls_record_send(c->tls, data + done, len - done);
        if (n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return (ssize_t)len;
}

/* Bytes read, 0 at the end of the stream, -1 on an error or the time limit. */
static ssize_t conn_recv(struct conn *c, char *buf, size_t size)
{
    if (remaining_ms(c) == 0)
        return -1;
    node_probe_set_timeouts(c->fd, c->deadline_ms);
    for (;;) {
        ssize_t n = c->tls ? gnutls_record_recv(c->tls, buf, size) : read(c->fd, buf, size);
        if (c->tls != NULL && n == GNUTLS_E_INTERRUPTED)
            continue;
        if (c->tls == NULL && n < 0 && errno == EINTR)
            continue;
        /* A server that closes without close_notify has still sent all of its response. */
        if (c->tls != NULL && n == GNUTLS_E_PREMATURE_TERMINATION)
            return 0;
        return n < 0 ? -1 : n;
    }
}

static bool header_is(const struct node_http_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (r->headers[i].name != NULL && strcasecmp(r->headers[i].name, name) == 0)
            return true;
    return false;
}

/* The request: Host first (the handler's, else HOST:PORT), the defaults the handler does not override,
 * then its headers. NULL when out of memory. */
static char *format_request(const struct node_http_request *r, const struct target *t, size_t *ret_len)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    fprintf(f, "GET %s HTTP/1.1\r\n", t->path);
    const char *host = NULL;
    for (size_t i = 0; i < r->n_headers; i++)
        if (r->headers[i].name != NULL && strcasecmp(r->headers[i].name, "Host") == 0)
            host = r->headers[i].value;
    if (host != NULL)
        fprintf(f, "Host: %s\r\n", host);
    else
        fprintf(f, "Host: %s:%d\r\n", t->host, t->port);
    if (!header_is(r, "User-Agent"))
        fputs("User-Agent: " USER_AGENT "\r\n", f);
    if (!header_is(r, "Accept"))
        fputs("Accept: */*\r\n", f);
    for (size_t i = 0; i < r->n_headers; i++) {
        const char *name = r->headers[i].name, *value = r->headers[i].value;
        /* A name or value with a line break would forge headers: the API server refuses them; so do we. */
        if (name == NULL || strcasecmp(name, "Host") == 0 || strpbrk(name, "\r\n: ") != NULL ||
            (value != NULL && strpbrk(value, "\r\n") != NULL))
            continue;
        fprintf(f, "%s: %s\r\n", name, value ? value : "");
    }
    fputs("Connection: close\r\n\r\n", f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *ret_len = len;
    return text;
}

/* The value of header name in the response's head (a copy in out), or false. */
static bool response_header(const struct response *resp, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    const char *p = memchr(resp->data, '\n', resp->head_len);
    while (p != NULL && (size_t)(p + 1 - resp->data) < resp->head_len) {
        const char *line = p + 1, *end = memchr(line, '\n', resp->head_len - (size_t)(line - resp->data));
        if (end == NULL)
            break;
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            size_t len = (size_t)(end - v);
            while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == ' '))
                len--;
            snprintf(out, size, "%.*s", (int)len, v);
            return true;
        }
        p = end;
    }
    return false;
}

/* Parses the status line and the framing headers once the head is in; -1 for a malformed response. */
static int parse_head(struct response *resp)
{
    const char *end = NULL;
    for (size_t i = 3; i < resp->len && end == NULL; i++)
        if (memcmp(resp->data + i - 3, "\r\n\r\n", 4) == 0)
            end = resp->data + i + 1;
    if (end == NULL)
        return resp->len >= HEAD_MAX ? -1 : 0;
    resp->head_len = (size_t)(end - resp->data);
    if (resp->head_len < 12 || strncmp(resp->data, "HTTP/1.", 7) != 0 || resp->data[8] != ' ')
        return -1;
    char code[4] = {resp->data[9], resp->data[10], resp->data[11], '\0'};
    char *stop;
    resp->status = (int)strtol(code, &stop, 10);
    if (*stop != '\0' || resp->status < 100)
        return -1;
    char value[64];
    resp->content_length = response_header(resp, "Content-Length", value, sizeof value) ? atoll(value) : -1;
    resp->chunked =
        response_header(resp, "Transfer-Encoding", value, sizeof value) && strcasecmp(value, "chunked") == 0;
    return 0;
}

/* Reads the head and up to BODY_MAX of the body; message says why not. */
static int read_response(struct conn *c, struct response *resp, char *message, size_t size)
{
    for (;;) {
        size_t body = resp->head_len ? resp->len - resp->head_len : 0;
        if (resp->head_len &&
            (body >= BODY_MAX || (resp->content_length >= 0 && (long long)body >= resp->content_length)))
            return 0;
        ssize_t n = conn_recv(c, resp->data + resp->len, sizeof resp->data - resp->len);
        if (n < 0 && remaining_ms(c) == 0)
            return snprintf(message, size, TIMEOUT_TEXT), -1;
        if (n < 0)
            return snprintf(message, size, "read: %s", c->tls ? "TLS error" : strerror(errno)), -1;
        if (n == 0)
            return resp->head_len ? 0 : (snprintf(message, size, "EOF"), -1);
        resp->len += (size_t)n;
        if (!resp->head_len && parse_head(resp) < 0)
            return snprintf(message, size, "malformed HTTP response"), -1;
    }
}

/* The body as text for a message: chunks joined, at most BODY_MAX bytes. */
static void body_text(const struct response *resp, char *out, size_t size)
{
    const char *p = resp->data + resp->head_len, *end = resp->data + resp->len;
    size_t used = 0;
    while (p < end && used + 1 < size) {
        size_t take = (size_t)(end - p);
        if (resp->chunked) {
            char *after;
            take = strtoul(p, &after, 16);
            const char *data = memchr(after, '\n', (size_t)(end - after));
            if (take == 0 || data == NULL)
                break;
            p = data + 1;
            if (take > (size_t)(end - p))
                take = (size_t)(end - p);
        }
        if (take > size - 1 - used)
            take = size - 1 - used;
        memcpy(out + used, p, take);
        used += take;
        p += take + (resp->chunked ? 2 : 0);
    }
    out[used] = '\0';
}

static void target_url(const struct target *t, char *out, size_t size)
{
    snprintf(out, size, "%s://%s:%d%s", t->https ? "https" : "http", t->host, t->port, t->path);
}

/* Resolves a Location against the current target (RFC 3986, the forms servers send). */
static int resolve_location(const struct target *cur, const char *location, struct target *next)
{
    *next = *cur;
    const char *rest = location;
    if (strncasecmp(location, "http://", 7) == 0 || strncasecmp(location, "https://", 8) == 0) {
        next->https = location[4] == 's' || location[4] == 'S';
        rest = location + (next->https ? 8 : 7);
    } else if (strncmp(location, "//", 2) == 0) {
        rest = location + 2;
    } else {
        const char *slash = strrchr(cur->path, '/');
        int dir = location[0] == '/' ? 0 : slash ? (int)(slash - cur->path) + 1 : 0;
        int n = snprintf(next->path, sizeof next->path, "%.*s%s", dir, cur->path, location);
        return n < 0 || (size_t)n >= sizeof next->path ? -1 : 0;
    }
    size_t host_len = strcspn(rest, "/?#");
    const char *colon = memchr(rest, ':', host_len);
    size_t name_len = colon ? (size_t)(colon - rest) : host_len;
    if (name_len == 0 || name_len >= sizeof next->host)
        return -1;
    memcpy(next->host, rest, name_len);
    next->host[name_len] = '\0';
    next->port = colon ? atoi(colon + 1) : next->https ? 443 : 80;
    int n =
        snprintf(next->path, sizeof next->path, "%s%s", rest[host_len] == '/' ? "" : "/", rest + host_len);
    return n > 0 && (size_t)n < sizeof next->path && next->port > 0 && next->port < 65536 ? 0 : -1;
}

/* One request and its response; message gets Go's error text on failure. */
static int exchange(const struct node_http_request *r, const struct target *t, int64_t deadline_ms,
                    struct response *resp, char *message, size_t size)
{
    struct conn c = {.fd = -1, .deadline_ms = deadline_ms};
    size_t len = 0;
    cleanup_free char *request = format_request(r, t, &len);
    int rc = request ? 0 : (snprintf(message, size, "out of memory"), -1);
    if (rc == 0 && (c.fd = node_probe_dial(t->host, t->port, deadline_ms, message, size)) < 0)
        rc = -1;
    if (rc == 0 && t->https)
        rc = tls_start(&c, message, size);
    if (rc == 0 && conn_send(&c, request, len) < 0)
        rc = remaining_ms(&c) == 0 ? (snprintf(message, size, TIMEOUT_TEXT), -1)
                                   : (snprintf(message, size, "write: %s", strerror(errno)), -1);
    if (rc == 0)
        rc = read_response(&c, resp, message, size);
    conn_close(&c);
    return rc;
}

static bool is_followed_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

enum node_http_result node_http_probe(const struct node_http_request *r, char *message, size_t message_size)
{
    struct target t = {.https = r->https, .port = r->port};
    snprintf(t.host, sizeof t.host, "%s", r->host);
    const char *path = r->path ? r->path : "";
    snprintf(t.path, sizeof t.path, "%s%s", path[0] == '/' ? "" : "/", path);
    int64_t deadline = husk_now_ms() + (r->timeout_ms > 0 ? r->timeout_ms : 1000);
    struct response *resp = malloc(sizeof *resp);
    if (resp == NULL)
        return snprintf(message, message_size, "out of memory"), NODE_HTTP_FAILURE;
    char url[2400], error[512];
    enum node_http_result result = NODE_HTTP_FAILURE;
    for (int redirects = 0;; redirects++) {
        *resp = (struct response){.content_length = -1};
        target_url(&t, url, sizeof url);
        if (exchange(r, &t, deadline, resp, error, sizeof error) < 0) {
            snprintf(message, message_size, "Get \"%s\": %s", url, error);
            break;
        }
        char location[2048];
        struct target next;
        if (is_followed_redirect(resp->status) &&
            response_header(resp, "Location", location, sizeof location) &&
            resolve_location(&t, location, &next) == 0 && strcasecmp(next.host, r->host) == 0) {
            target_url(&next, url, sizeof url);
            if (redirects + 1 >= MAX_REDIRECTS) {
                snprintf(message, message_size, "Get \"%s\": stopped after %d redirects", url, MAX_REDIRECTS);
                break;
            }
            t = next;
            continue;
        }
        /* A redirect to another host is not followed: the kubelet's "terminated redirects" warning. */
        if (resp->status >= 200 && resp->status < 400) {
            result = resp->status >= 300 ? NODE_HTTP_WARNING : NODE_HTTP_SUCCESS;
            if (result == NODE_HTTP_WARNING) {
                char *body = malloc(BODY_MAX + 1);
                if (body != NULL)
                    body_text(resp, body, BODY_MAX + 1);
                snprintf(message, message_size, "Probe terminated redirects, Response body: %s",
                         body ? body : "");
                free(body);
            }
        } else {
            snprintf(message, message_size, "HTTP probe failed with statuscode: %d", resp->status);
        }
        break;
    }
    free(resp);
    return result;
}
