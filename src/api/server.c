/* libmicrohttpd plumbing: listeners, request bodies (capped), bearer-token checks, and turning a handler's
 * api_response into an HTTP reply; see server.h. */
#include "api/request.h"
#include "api/status.h"
#include "base/cleanup.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

/* Per-connection state while the body arrives. */
struct pending_request {
    char *body;
    size_t len;
    bool too_large;
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
    return strlen(given) == n && CRYPTO_memcmp(given, srv->token, n) == 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct api_response *resp)
{
    struct MHD_Response *r = resp->raw;
    if (r == NULL) {
        char *text = json_dumps(resp->body, JSON_COMPACT);
        if (text == NULL)
            return MHD_NO;
        size_t len = strlen(text);
        text[len] = '\0';
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (r == NULL) {
            free(text);
            return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
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
    } else if (pr->too_large) {
        api_reply_status(&resp, api_status_failure(413, "RequestEntityTooLarge",
                                                   "Request entity too large: limit is 3145728", NULL));
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
        *con_cls = pr;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (pr->too_large || pr->len + n > API_MAX_BODY_BYTES) {
            pr->too_large = true;
            return MHD_YES;
        }
        char *grown = realloc(pr->body, pr->len + n + 1);
        if (grown == NULL)
            return MHD_NO;
        memcpy(grown + pr->len, upload_data, n);
        pr->body = grown;
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
    unsigned flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TLS;
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
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_MAX_HEADER_BYTES, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
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
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, &srv->unix_listener, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, srv->unix_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_MAX_HEADER_BYTES, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (d == NULL)
        husk_error_set(err, EIO, "cannot serve on %s", path);
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
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
    if (config->socket_path != NULL &&
        (srv->unix_daemon = start_unix(srv, config->socket_path, err)) == NULL) {
        api_server_stop(srv);
        return -1;
    }
    if (config->listen_host != NULL && (srv->tls_daemon = start_tls(srv, config, err)) == NULL) {
        api_server_stop(srv);
        return -1;
    }
    *ret_server = srv;
    return 0;
}

void api_server_changed(api_server *server)
{
    pthread_mutex_lock(&server->lock);
    pthread_cond_broadcast(&server->changed);
    pthread_mutex_unlock(&server->lock);
}

bool api_server_wait_change(api_server *server, int timeout_ms)
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
    if (!server->stopping)
        pthread_cond_timedwait(&server->changed, &server->lock, &deadline);
    bool running = !server->stopping;
    pthread_mutex_unlock(&server->lock);
    return running;
}

void api_server_stop(api_server *server)
{
    if (server == NULL)
        return;
    pthread_mutex_lock(&server->lock);
    server->stopping = true;
    pthread_cond_broadcast(&server->changed);
    pthread_mutex_unlock(&server->lock);
    if (server->tls_daemon)
        MHD_stop_daemon(server->tls_daemon);
    /* libmicrohttpd closes a listen socket it was given when it stops. */
    if (server->unix_daemon)
        MHD_stop_daemon(server->unix_daemon);
    else if (server->unix_fd >= 0)
        close(server->unix_fd);
    pthread_cond_destroy(&server->changed);
    pthread_mutex_destroy(&server->lock);
    free(server->node_name);
    free(server->data_dir);
    free(server->token);
    free(server->cert_pem);
    free(server->key_pem);
    free(server);
}
