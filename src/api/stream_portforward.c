/* GET|POST /api/v1/namespaces/NS/pods/NAME/portforward: kubectl port-forward's SPDY/3.1 session, either
 * tunneled in WebSocket binary messages (subprotocol SPDY/3.1+portforward.k8s.io, kubectl 1.31+'s
 * default) or after a plain `Upgrade: SPDY/3.1` (its fallback). For each local connection kubectl opens
 * two streams with the same requestID header: streamType "error" (what goes wrong, as text) and "data"
 * (the bytes), both for the `port` header's port. As the kubelet does, each stream gets a SYN_REPLY at
 * once; once both are there, a TCP connection to 127.0.0.1:PORT (else [::1]:PORT) is opened inside the
 * pod's network namespace and the data stream is copied both ways. When the pod side ends, both streams
 * are half-closed (FIN); kubectl then resets them. PINGs are echoed; flow control is not enforced (neither
 * does the spdystream library kubectl uses). */
#include "api/spdy_conn.h"
#include "api/status.h"
#include "api/stream.h"
#include "objects/pod.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAIRS 64

struct pf_pair {
    bool used, failed;
    char request_id[64];
    uint16_t port;
    uint32_t error_id, data_id;
    int pod_fd; /* -1 before the connection and after its end */
};

struct pf_session {
    struct api_stream base;
    struct runtime_sandbox *sandbox;
    char pod[512];
    bool websocket; /* tunneled in WebSocket messages, else SPDY on the socket itself */
    struct spdy_conn conn;
    struct pf_pair pairs[MAX_PAIRS];
};

static int send_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

struct pf_connect {
    uint16_t port;
    int fd;
    char message[256];
};

/* On a thread inside the pod's network namespace: the sockets stay in it. */
static int connect_in_pod(void *arg)
{
    struct pf_connect *c = arg;
    struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons(c->port)};
    struct sockaddr_in6 in6 = {
        .sin6_family = AF_INET6, .sin6_port = htons(c->port), .sin6_addr = in6addr_loopback};
    in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&in4, sizeof in4) == 0) {
        c->fd = fd;
        return 0;
    }
    /* In Go's words, as the kubelet's runtime reports it ("connect: connection refused"). */
    snprintf(c->message, sizeof c->message, "dial tcp4 127.0.0.1:%u: connect: %s", c->port, strerror(errno));
    char *reason = strstr(c->message, "connect: ") + strlen("connect: ");
    *reason = (char)tolower((unsigned char)*reason);
    if (fd >= 0)
        close(fd);
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&in6, sizeof in6) == 0) {
        c->fd = fd;
        return 0;
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Both streams are there: connect, or say why not on the error stream and end both. */
static int start_pair(struct pf_session *s, struct pf_pair *p)
{
    struct pf_connect c = {.port = p->port, .fd = -1};
    husk_error err = {0};
    if (p->port != 0 && runtime_sandbox_in_netns(s->sandbox, connect_in_pod, &c, &err) == 0) {
        p->pod_fd = c.fd;
        return 0;
    }
    char msg[HUSK_ERROR_MESSAGE_MAX + 600];
    snprintf(msg, sizeof msg, "error forwarding port %u to pod %s: %s", p->port, s->pod,
             p->port == 0   ? "invalid port"
             : c.message[0] ? c.message
                            : err.message);
    p->failed = true;
    if (spdy_conn_send_data(&s->conn, p->error_id, 0, msg, strlen(msg)) < 0 ||
        spdy_conn_send_data(&s->conn, p->error_id, SPDY_FLAG_FIN, NULL, 0) < 0)
        return -1;
    return spdy_conn_send_data(&s->conn, p->data_id, SPDY_FLAG_FIN, NULL, 0);
}

static struct pf_pair *find_pair(struct pf_session *s, const char *request_id, bool create)
{
    struct pf_pair *free_slot = NULL;
    for (size_t i = 0; i < MAX_PAIRS; i++) {
        struct pf_pair *p = &s->pairs[i];
        if (p->used && strcmp(p->request_id, request_id) == 0)
            return p;
        if (!p->used && free_slot == NULL)
            free_slot = p;
    }
    if (!create || free_slot == NULL)
        return NULL;
    *free_slot = (struct pf_pair){.used = true, .pod_fd = -1};
    snprintf(free_slot->request_id, sizeof free_slot->request_id, "%s", request_id);
    return free_slot;
}

static struct pf_pair *pair_of_stream(struct pf_session *s, uint32_t stream)
{
    for (size_t i = 0; i < MAX_PAIRS; i++)
        if (s->pairs[i].used && (s->pairs[i].data_id == stream || s->pairs[i].error_id == stream))
            return &s->pairs[i];
    return NULL;
}

static void end_pair(struct pf_pair *p)
{
    if (p->pod_fd >= 0)
        close(p->pod_fd);
    *p = (struct pf_pair){.pod_fd = -1};
}

static int syn_stream(struct pf_session *s, const struct spdy_frame *f)
{
    struct spdy_headers h;
    if (spdy_conn_headers(&s->conn, f, &h) < 0)
        return -1; /* the compression context is lost with it: the session cannot go on */
    const char *type = spdy_headers_get(&h, "streamtype"), *port = spdy_headers_get(&h, "port");
    const char *request_id = spdy_headers_get(&h, "requestid");
    bool is_error = type != NULL && strcmp(type, "error") == 0,
         is_data = type != NULL && strcmp(type, "data") == 0;
    struct pf_pair *p = is_error || is_data ? find_pair(s, request_id ? request_id : "", true) : NULL;
    if (p == NULL)
        return spdy_conn_send_rst(&s->conn, f->stream_id, SPDY_REFUSED_STREAM);
    if (spdy_conn_send_reply(&s->conn, f->stream_id) < 0)
        return -1;
    long n = port ? strtol(port, NULL, 10) : 0;
    p->port = n > 0 && n <= 65535 ? (uint16_t)n : 0;
    if (is_error)
        p->error_id = f->stream_id;
    else
        p->data_id = f->stream_id;
    if (p->error_id != 0 && p->data_id != 0 && p->pod_fd < 0 && !p->failed)
        return start_pair(s, p);
    return 0;
}

static int data_frame(struct pf_session *s, const struct spdy_frame *f)
{
    struct pf_pair *p = pair_of_stream(s, f->stream_id);
    if (p == NULL || p->data_id != f->stream_id || p->pod_fd < 0)
        return 0; /* the error stream carries nothing from the client */
    if (f->len > 0 && send_all(p->pod_fd, f->data, f->len) < 0)
        return 0; /* the pod side closed: its end is seen on reading */
    if (f->flags & SPDY_FLAG_FIN)
        shutdown(p->pod_fd, SHUT_WR);
    return 0;
}

static int handle_frame(void *arg, const struct spdy_frame *f)
{
    struct pf_session *s = arg;
    struct pf_pair *p;
    if (!f->control)
        return data_frame(s, f);
    if (f->type == SPDY_SYN_STREAM)
        return syn_stream(s, f);
    if (f->type == SPDY_RST_STREAM && (p = pair_of_stream(s, f->stream_id)) != NULL)
        end_pair(p);
    return 0; /* SETTINGS, WINDOW_UPDATE, HEADERS */
}

/* The pod side of a pair has bytes, or ended. */
static int read_pod(struct pf_session *s, struct pf_pair *p)
{
    uint8_t buf[32768];
    ssize_t n;
    while ((n = read(p->pod_fd, buf, sizeof buf)) < 0 && errno == EINTR)
        ;
    if (n > 0)
        return spdy_conn_send_data(&s->conn, p->data_id, 0, buf, (size_t)n);
    close(p->pod_fd);
    p->pod_fd = -1;
    p->failed = true; /* ended: nothing more to connect */
    if (spdy_conn_send_data(&s->conn, p->data_id, SPDY_FLAG_FIN, NULL, 0) < 0)
        return -1;
    return spdy_conn_send_data(&s->conn, p->error_id, SPDY_FLAG_FIN, NULL, 0);
}

static void pf_loop(struct pf_session *s)
{
    while (!api_stream_stopping(&s->base)) {
        if (spdy_conn_pending(&s->conn)) {
            if (spdy_conn_read(&s->conn, handle_frame, s) <= 0)
                return;
            continue;
        }
        struct pollfd fds[1 + MAX_PAIRS];
        struct pf_pair *owner[1 + MAX_PAIRS];
        nfds_t n = 0;
        fds[n++] = (struct pollfd){s->conn.fd, POLLIN, 0};
        for (size_t i = 0; i < MAX_PAIRS; i++)
            if (s->pairs[i].used && s->pairs[i].pod_fd >= 0) {
                owner[n] = &s->pairs[i];
                fds[n++] = (struct pollfd){s->pairs[i].pod_fd, POLLIN, 0};
            }
        if (poll(fds, n, 500) < 0 && errno != EINTR)
            return;
        for (nfds_t i = 1; i < n; i++)
            if (fds[i].revents != 0 && read_pod(s, owner[i]) < 0)
                return;
        if (fds[0].revents != 0 && spdy_conn_read(&s->conn, handle_frame, s) <= 0)
            return;
    }
}

static void pf_run(struct api_stream *base, int fd, const uint8_t *extra, size_t extra_len)
{
    struct pf_session *s = (struct pf_session *)base;
    husk_error err = {0};
    if (spdy_conn_init(&s->conn, fd, s->websocket, extra, extra_len, &err) < 0)
        return;
    pf_loop(s);
    if (s->websocket)
        ws_conn_close(&s->conn.ws, 1000, &err);
    spdy_conn_destroy(&s->conn);
}

static void pf_free(struct api_stream *base)
{
    struct pf_session *s = (struct pf_session *)base;
    for (size_t i = 0; i < MAX_PAIRS; i++)
        if (s->pairs[i].used)
            end_pair(&s->pairs[i]);
    runtime_sandbox_free(s->sandbox);
    free(s);
}

void api_pod_portforward(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_t *pod = api_stream_pod(req, t, resp);
    struct runtime_sandbox *sandbox = pod ? api_stream_sandbox(req, pod, resp) : NULL;
    json_decref(pod);
    if (sandbox == NULL)
        return;
    struct pf_session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        runtime_sandbox_free(sandbox);
        api_reply_status(resp, api_status_failure(500, "InternalError", "out of memory", NULL));
        return;
    }
    s->base = (struct api_stream){req->server, pf_run, pf_free};
    s->sandbox = sandbox;
    snprintf(s->pod, sizeof s->pod, "%s/%s", t->ns, t->name);
    for (size_t i = 0; i < MAX_PAIRS; i++)
        s->pairs[i].pod_fd = -1;
    if (api_stream_wants_websocket(req)) {
        s->websocket = true;
        const char *protocols[] = {API_STREAM_PORTFORWARD_WS, NULL};
        int chosen = 0;
        api_stream_accept_websocket(req, resp, protocols, &s->base, &chosen);
    } else if (api_stream_wants_spdy(req)) {
        api_stream_accept_spdy(req, resp, API_STREAM_PORTFORWARD, &s->base);
    } else {
        pf_free(&s->base);
        api_reply_status(resp, api_status_bad_request("Upgrade request required"));
    }
}
