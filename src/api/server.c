/* libmicrohttpd plumbing: listeners, request bodies (capped), bearer-token checks, and turning a handler's
 * api_response into an HTTP reply; see server.h. */
#include "api/header_deadline.h"
#include "api/request.h"
#include "api/status.h"
#include "base/cleanup.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <nettle/memops.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

/* Per-connection state while the body arrives. */
struct pending_request {
    api_server *server;
    char *body;
    size_t len, capacity;
    bool too_large, busy;
};

const char *api_request_arg(const struct api_request *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *api_request_header(const struct api_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void api_reply(struct api_response *resp, unsigned code, json_t *body)
{
    json_decref(resp->body);
    resp->code = code;
    resp->body = body;
}

void api_reply_status(struct api_response *resp, json_t *status)
{
    json_int_t code = json_integer_value(json_object_get(status, "code"));
    api_reply(resp, code > 0 ? (unsigned)code : 500, status);
}

static bool token_ok(const api_server *srv, struct MHD_Connection *conn)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *given = auth + 7;
    size_t n = strlen(srv->token);
    return strlen(given) == n && memeql_sec(given, srv->token, n);
}

/* jansson refuses strings that are not UTF-8, so it is the validator. */
static bool valid_utf8(const char *s)
{
    json_t *probe = s ? json_string(s) : NULL;
    json_decref(probe);
    return s == NULL || probe != NULL;
}

static enum MHD_Result check_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    bool *ok = cls;
    *ok = *ok && valid_utf8(key) && valid_utf8(value);
    return *ok ? MHD_YES : MHD_NO;
}

/* The decoded path and query must be UTF-8, as every name and selector in them ends up in JSON. */
static bool request_is_utf8(struct MHD_Connection *conn, const char *url)
{
    bool ok = valid_utf8(url);
    if (ok)
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_argument, &ok);
    return ok;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct api_response *resp)
{
    struct MHD_Response *r = resp->raw;
    if (r == NULL) {
        char *text = resp->body ? json_dumps(resp->body, JSON_COMPACT) : NULL;
        if (text == NULL) {
            /* A reply that cannot be encoded is a bug; say so instead of dropping the connection. */
            resp->code = 500;
            text = strdup("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                          "\"message\":\"the reply could not be encoded\",\"reason\":\"InternalError\","
                          "\"code\":500}");
            if (text == NULL)
                return MHD_NO;
        }
        size_t len = strlen(text);
        text[len] = '\0';
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (r == NULL) {
            free(text);
            return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                resp->content_type != NULL ? resp->content_type : "application/json");
    }
    if (resp->warning[0] != '\0')
        MHD_add_response_header(r, "Warning", resp->warning);
    MHD_add_response_header(r, "Cache-Control", "no-cache, private");
    enum MHD_Result ret = MHD_queue_response(conn, resp->code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result dispatch(struct api_listener *l, struct MHD_Connection *conn, const char *url,
                                const char *method, struct pending_request *pr)
{
    struct api_response resp = {.code = 500};
    if (l->require_token && !token_ok(l->server, conn)) {
        api_reply_status(&resp, api_status_failure(401, "Unauthorized", "Unauthorized", NULL));
    } else if (pr->busy) {
        api_reply_status(&resp, api_status_failure(429, "TooManyRequests",
                                                   "Too many requests, please try again later.",
                                                   json_pack("{s:i}", "retryAfterSeconds", 1)));
    } else if (pr->too_large) {
        api_reply_status(&resp, api_status_failure(413, "RequestEntityTooLarge",
                                                   "Request entity too large: limit is 3145728", NULL));
    } else if (!request_is_utf8(conn, url)) {
        api_reply_status(&resp, api_status_bad_request("the request path or query is not valid UTF-8"));
    } else {
        struct api_request req = {.server = l->server,
                                  .conn = conn,
                                  .method = method,
                                  .url = url,
                                  .body = pr->body ? pr->body : "",
                                  .body_len = pr->len};
        api_route(&req, &resp);
    }
    log_debug("api: %s %s -> %u", method, url, resp.code);
    enum MHD_Result ret = send_reply(conn, &resp);
    json_decref(resp.body);
    return ret;
}

/* Grows the body buffer to hold need bytes: at once to the Content-Length when the client sent one (one
 * allocation per body), else by doubling, so that a body is not copied once per network read. */
static int reserve_body(struct MHD_Connection *conn, struct pending_request *pr, size_t need)
{
    if (need <= pr->capacity)
        return 0;
    size_t capacity = pr->capacity ? pr->capacity * 2 : 64 * 1024;
    const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long declared = length ? strtoull(length, NULL, 10) : 0;
    if (pr->capacity == 0 && declared > 0 && declared <= API_MAX_BODY_BYTES)
        capacity = (size_t)declared + 1;
    if (capacity < need)
        capacity = need;
    if (capacity > API_MAX_BODY_BYTES + 1)
        capacity = API_MAX_BODY_BYTES + 1 > need ? API_MAX_BODY_BYTES + 1 : need;
    char *grown = realloc(pr->body, capacity);
    if (grown == NULL)
        return -1;
    pr->body = grown;
    pr->capacity = capacity;
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct pending_request *pr = *con_cls;
    if (pr == NULL) {
        pr = calloc(1, sizeof *pr);
        if (pr == NULL)
            return MHD_NO;
        pr->server = ((struct api_listener *)cls)->server;
        *con_cls = pr;
        api_header_deadline_headers_done(conn);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (pr->too_large || pr->busy || pr->len + n > API_MAX_BODY_BYTES) {
            pr->too_large = !pr->busy;
            return MHD_YES;
        }
        if (atomic_fetch_add(&pr->server->buffered_bytes, n) + n > API_MAX_BUFFERED_BYTES) {
            atomic_fetch_sub(&pr->server->buffered_bytes, n);
            pr->busy = true;
            return MHD_YES;
        }
        if (reserve_body(conn, pr, pr->len + n + 1) < 0) {
            atomic_fetch_sub(&pr->server->buffered_bytes, n);
            return MHD_NO;
        }
        memcpy(pr->body + pr->len, upload_data, n);
        pr->len += n;
        pr->body[pr->len] = '\0';
        return MHD_YES;
    }
    return dispatch(cls, conn, url, method, pr);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct pending_request *pr = *con_cls;
    if (pr != NULL) {
        atomic_fetch_sub(&pr->server->buffered_bytes, pr->len);
        free(pr->body);
        free(pr);
        *con_cls = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_warn("api: %s", line);
}

/* Binds the unix socket with mode 0600 from the start (umask), so no other user can connect in between. */
static int bind_unix(const char *path, husk_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return husk_error_set(err, ENAMETOOLONG, "socket path %s is too long", path);
    strcpy(sa.sun_path, path);
    cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "socket");
    unlink(path);
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0)
        return husk_error_set_errno(err, errno, "binding %s", path);
    if (listen(fd, 128) < 0)
        return husk_error_set_errno(err, errno, "listening on %s", path);
    return steal_fd(&fd);
}

int api_parse_listen(const char *text, char *ret_host, size_t host_size, uint16_t *ret_port, husk_error *err)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text)
        return husk_error_set(err, EINVAL, "--listen %s: expected ADDR:PORT", text);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535)
        return husk_error_set(err, EINVAL, "--listen %s: port must be 1-65535", text);
    const char *host = text;
    size_t n = (size_t)(colon - text);
    if (host[0] == '[' && n >= 2 && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n + 1 > host_size)
        return husk_error_set(err, EINVAL, "--listen %s: address too long", text);
    memcpy(ret_host, host, n);
    ret_host[n] = '\0';
    struct in6_addr probe;
    if (inet_pton(AF_INET, ret_host, &probe) != 1 && inet_pton(AF_INET6, ret_host, &probe) != 1)
        return husk_error_set(err, EINVAL, "--listen %s: %s is not an IP address", text, ret_host);
    *ret_port = (uint16_t)port;
    return 0;
}

static struct MHD_Daemon *start_tls(api_server *srv, const struct api_server_config *c, husk_error *err)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_TLS | MHD_ALLOW_UPGRADE;
    if (inet_pton(AF_INET, c->listen_host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(c->listen_port);
    } else {
        inet_pton(AF_INET6, c->listen_host, &in6->sin6_addr);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(c->listen_port);
        flags |= MHD_USE_IPv6;
    }
    srv->tls_listener = (struct api_listener){srv, true};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &srv->tls_listener, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_HTTPS_MEM_KEY, srv->key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, srv->cert_pem, MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_MAX_HEADER_BYTES, MHD_OPTION_CONNECTION_TIMEOUT,
        API_IDLE_TIMEOUT_SECONDS, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, api_header_deadline_notify, srv->header_deadline, MHD_OPTION_END);
    if (d == NULL)
        husk_error_set(err, EADDRINUSE, "cannot serve TLS on %s:%u (address in use, or bad certificate)",
                       c->listen_host, c->listen_port);
    return d;
}

static struct MHD_Daemon *start_unix(api_server *srv, const char *path, husk_error *err)
{
    srv->unix_fd = bind_unix(path, err);
    if (srv->unix_fd < 0)
        return NULL;
    srv->unix_listener = (struct api_listener){srv, false};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
            MHD_ALLOW_UPGRADE,
        0, NULL, NULL, on_request, &srv->unix_listener, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, srv->unix_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_MAX_HEADER_BYTES, MHD_OPTION_CONNECTION_TIMEOUT,
        API_IDLE_TIMEOUT_SECONDS, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, api_header_deadline_notify, srv->header_deadline, MHD_OPTION_END);
    if (d == NULL)
        husk_error_set(err, EIO, "cannot serve on %s", path);
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Node statuses and events are written unsynced: watchers hear of them when the store has synced them. */
static void announce_sync(void *server)
{
    api_server_changed(server);
}

int api_server_start(const struct api_server_config *config, store *s, api_server **ret_server,
                     husk_error *err)
{
    api_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    srv->store = s;
    srv->unix_fd = -1;
    srv->node_name = dup_or_null(config->node_name);
    srv->data_dir = dup_or_null(config->data_dir);
    srv->token = dup_or_null(config->token);
    srv->cert_pem = dup_or_null(config->tls_cert_pem);
    srv->key_pem = dup_or_null(config->tls_key_pem);
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->changed, &attr);
    pthread_condattr_destroy(&attr);
    if (api_header_deadline_start(API_HEADER_TIMEOUT_SECONDS, &srv->header_deadline, err) < 0) {
        api_server_stop(srv);
        return -1;
    }
    if (config->socket_path != NULL &&
        (srv->unix_daemon = start_unix(srv, config->socket_path, err)) == NULL) {
        api_server_stop(srv);
        return -1;
    }
    if (config->listen_host != NULL && (srv->tls_daemon = start_tls(srv, config, err)) == NULL) {
        api_server_stop(srv);
        return -1;
    }
    store_set_on_sync(s, announce_sync, srv);
    *ret_server = srv;
    return 0;
}

void api_server_changed(api_server *server)
{
    pthread_mutex_lock(&server->lock);
    server->change_count++;
    pthread_cond_broadcast(&server->changed);
    pthread_mutex_unlock(&server->lock);
}

uint64_t api_server_change_count(api_server *server)
{
    pthread_mutex_lock(&server->lock);
    uint64_t n = server->change_count;
    pthread_mutex_unlock(&server->lock);
    return n;
}

bool api_server_wait_change(api_server *server, int timeout_ms)
{
    return api_server_wait_change_since(server, UINT64_MAX, timeout_ms);
}

bool api_server_wait_change_since(api_server *server, uint64_t seen, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&server->lock);
    /* UINT64_MAX (api_server_wait_change) never matches the count: it always waits. */
    if (!server->stopping && (seen == UINT64_MAX || server->change_count == seen))
        pthread_cond_timedwait(&server->changed, &server->lock, &deadline);
    bool running = !server->stopping;
    pthread_mutex_unlock(&server->lock);
    return running;
}

/* Slots in stream_fds: 0 is never a stream's socket (stdin), so a zeroed table is all free. */
void api_server_stream_begin(api_server *server, int fd)
{
    pthread_mutex_lock(&server->lock);
    server->streams++;
    for (size_t i = 0; i < API_MAX_CONNECTIONS; i++)
        if (server->stream_fds[i] <= 0) {
            server->stream_fds[i] = fd;
            break;
        }
    pthread_mutex_unlock(&server->lock);
}

void api_server_stream_end(api_server *server, int fd)
{
    pthread_mutex_lock(&server->lock);
    server->streams--;
    for (size_t i = 0; i < API_MAX_CONNECTIONS; i++)
        if (server->stream_fds[i] == fd) {
            server->stream_fds[i] = 0;
            break;
        }
    pthread_cond_broadcast(&server->changed);
    pthread_mutex_unlock(&server->lock);
}

bool api_server_stopping(api_server *server)
{
    pthread_mutex_lock(&server->lock);
    bool stopping = server->stopping;
    pthread_mutex_unlock(&server->lock);
    return stopping;
}

void api_server_stop(api_server *server)
{
    if (server == NULL)
        return;
    if (server->store != NULL)
        store_set_on_sync(server->store, NULL, NULL);
    pthread_mutex_lock(&server->lock);
    server->stopping = true;
    pthread_cond_broadcast(&server->changed);
    /* libmicrohttpd must not stop under an upgraded connection: the sessions see `stopping` (or their
     * socket shut down) and close theirs; a session stuck for 5 s is left behind. */
    for (size_t i = 0; i < API_MAX_CONNECTIONS; i++)
        if (server->stream_fds[i] > 0)
            shutdown(server->stream_fds[i], SHUT_RDWR); /* ends their blocking reads and writes */
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 5;
    while (server->streams > 0 && pthread_cond_timedwait(&server->changed, &server->lock, &deadline) == 0)
        ;
    pthread_mutex_unlock(&server->lock);
    if (server->tls_daemon)
        MHD_stop_daemon(server->tls_daemon);
    /* libmicrohttpd closes a listen socket it was given when it stops. */
    if (server->unix_daemon)
        MHD_stop_daemon(server->unix_daemon);
    else if (server->unix_fd >= 0)
        close(server->unix_fd);
    api_header_deadline_stop(server->header_deadline);
    pthread_cond_destroy(&server->changed);
    pthread_mutex_destroy(&server->lock);
    free(server->node_name);
    free(server->data_dir);
    free(server->token);
    free(server->cert_pem);
    free(server->key_pem);
    free(server);
}
