/* The httpGet probe (src/node/http_probe.c) against a real listener on 127.0.0.1: the request the kubelet
 * sends, the status ranges, redirects (same host followed up to 10, another host a warning), the time
 * limit, and HTTPS with a certificate nobody verifies. */
#include "harness.h"
#include "node/http_probe.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

/* A server thread: answers each connection from respond(path), after keeping the first request's text. */
struct server {
    int fd;
    int port;
    bool tls;
    const char *(*respond)(const char *path);
    char first_request[4096];
    int requests;
};

static int read_request(int fd, gnutls_session_t tls, char *buf, size_t size)
{
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n =
            tls ? gnutls_record_recv(tls, buf + len, size - 1 - len) : read(fd, buf + len, size - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL)
            return 0;
    }
    return -1;
}

/* A self-signed certificate made on the spot: the probe must accept it unverified. */
static void make_credentials(gnutls_certificate_credentials_t *ret)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    CHECK(gnutls_x509_privkey_init(&key) == 0);
    CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                       0) == 0);
    CHECK(gnutls_x509_crt_init(&crt) == 0);
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, "\x01", 1);
    gnutls_x509_crt_set_activation_time(crt, time(NULL) - 60);
    gnutls_x509_crt_set_expiration_time(crt, time(NULL) + 3600);
    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "not-the-host", 12);
    gnutls_x509_crt_set_key(crt, key);
    CHECK(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) == 0);
    CHECK(gnutls_certificate_allocate_credentials(ret) == 0);
    CHECK(gnutls_certificate_set_x509_key(*ret, &crt, 1, key) == 0);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
}

static void *serve(void *arg)
{
    struct server *s = arg;
    gnutls_certificate_credentials_t credentials = NULL;
    if (s->tls)
        make_credentials(&credentials);
    for (;;) {
        int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return NULL;
        gnutls_session_t tls = NULL;
        if (s->tls) {
            gnutls_init(&tls, GNUTLS_SERVER);
            gnutls_set_default_priority(tls);
            gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, credentials);
            gnutls_transport_set_int(tls, c);
            if (gnutls_handshake(tls) < 0) {
                gnutls_deinit(tls);
                close(c);
                continue;
            }
        }
        char request[4096];
        if (read_request(c, tls, request, sizeof request) == 0) {
            if (s->requests++ == 0)
                snprintf(s->first_request, sizeof s->first_request, "%s", request);
            char path[256] = "";
            sscanf(request, "GET %255s", path);
            const char *reply = s->respond(path);
            if (reply != NULL) {
                if (tls)
                    gnutls_record_send(tls, reply, strlen(reply));
                else
                    CHECK(write(c, reply, strlen(reply)) == (ssize_t)strlen(reply));
            } else {
                sleep(5); /* never answers: the probe's time limit ends it */
            }
        }
        if (tls) {
            gnutls_bye(tls, GNUTLS_SHUT_WR);
            gnutls_deinit(tls);
        }
        close(c);
    }
}

static void server_start(struct server *s, const char *(*respond)(const char *), bool tls)
{
    *s = (struct server){.respond = respond, .tls = tls};
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    CHECK(s->fd >= 0 && bind(s->fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(s->fd, 16) == 0);
    CHECK(getsockname(s->fd, (struct sockaddr *)&addr, &len) == 0);
    s->port = ntohs(addr.sin_port);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, serve, s) == 0);
    pthread_detach(t);
}

static enum node_http_result probe(const struct server *s, const char *path, int timeout_ms, char *message,
                                   size_t size)
{
    static const struct node_http_header headers[] = {{"X-Custom", "v1"}};
    struct node_http_request r = {.https = s->tls,
                                  .host = "127.0.0.1",
                                  .port = s->port,
                                  .path = path,
                                  .headers = headers,
                                  .n_headers = 1,
                                  .timeout_ms = timeout_ms};
    message[0] = '\0';
    return node_http_probe(&r, message, size);
}

static const char *by_path(const char *path)
{
    if (strcmp(path, "/ok") == 0)
        return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    if (strcmp(path, "/fail") == 0)
        return "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom";
    if (strcmp(path, "/moved") == 0)
        return "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n";
    if (strcmp(path, "/away") == 0)
        return "HTTP/1.1 301 Moved Permanently\r\nLocation: http://example.invalid/x\r\n"
               "Transfer-Encoding: chunked\r\n\r\n4\r\nelse\r\n5\r\nwhere\r\n0\r\n\r\n";
    if (strcmp(path, "/loop") == 0)
        return "HTTP/1.1 307 Temporary Redirect\r\nLocation: loop\r\n\r\n";
    if (strcmp(path, "/slow") == 0)
        return NULL;
    return "HTTP/1.1 404 Not Found\r\n\r\n";
}

TEST(http_probe_sends_the_kubelets_request_and_succeeds_on_200)
{
    struct server s;
    server_start(&s, by_path, false);
    char message[512], host[64];
    CHECK_INT_EQ(probe(&s, "ok", 2000, message, sizeof message), NODE_HTTP_SUCCESS);
    CHECK(strncmp(s.first_request, "GET /ok HTTP/1.1\r\n", 18) == 0);
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%d\r\n", s.port);
    CHECK_STR_CONTAINS(s.first_request, host);
    CHECK_STR_CONTAINS(s.first_request, "\r\nUser-Agent: kube-probe/1.32\r\n");
    CHECK_STR_CONTAINS(s.first_request, "\r\nAccept: */*\r\n");
    CHECK_STR_CONTAINS(s.first_request, "\r\nX-Custom: v1\r\n");
}

TEST(http_probe_fails_on_500_with_the_kubelets_message)
{
    struct server s;
    server_start(&s, by_path, false);
    char message[512];
    CHECK_INT_EQ(probe(&s, "/fail", 2000, message, sizeof message), NODE_HTTP_FAILURE);
    CHECK_STR_EQ(message, "HTTP probe failed with statuscode: 500");
    CHECK_INT_EQ(probe(&s, "/missing", 2000, message, sizeof message), NODE_HTTP_FAILURE);
    CHECK_STR_EQ(message, "HTTP probe failed with statuscode: 404");
}

TEST(http_probe_follows_redirects_on_the_same_host)
{
    struct server s;
    server_start(&s, by_path, false);
    char message[512];
    CHECK_INT_EQ(probe(&s, "/moved", 2000, message, sizeof message), NODE_HTTP_SUCCESS);
    CHECK_INT_EQ(s.requests, 2);
}

TEST(http_probe_warns_on_a_redirect_to_another_host)
{
    struct server s;
    server_start(&s, by_path, false);
    char message[512];
    CHECK_INT_EQ(probe(&s, "/away", 2000, message, sizeof message), NODE_HTTP_WARNING);
    CHECK_STR_EQ(message, "Probe terminated redirects, Response body: elsewhere");
    CHECK_INT_EQ(s.requests, 1);
}

TEST(http_probe_stops_after_10_redirects)
{
    struct server s;
    server_start(&s, by_path, false);
    char message[512], expected[128];
    CHECK_INT_EQ(probe(&s, "/loop", 2000, message, sizeof message), NODE_HTTP_FAILURE);
    snprintf(expected, sizeof expected, "Get \"http://127.0.0.1:%d/loop\": stopped after 10 redirects",
             s.port);
    CHECK_STR_EQ(message, expected);
    CHECK_INT_EQ(s.requests, 10);
}

TEST(http_probe_keeps_its_time_limit)
{
    struct server s;
    server_start(&s, by_path, false);
    char message[512];
    time_t t0 = time(NULL);
    CHECK_INT_EQ(probe(&s, "/slow", 300, message, sizeof message), NODE_HTTP_FAILURE);
    CHECK(time(NULL) - t0 <= 2);
    CHECK_STR_CONTAINS(message, "Client.Timeout exceeded");
}

TEST(http_probe_reports_a_refused_connection)
{
    /* A port that was bound a moment ago and has no listener now. */
    struct server s = {.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    CHECK(s.fd >= 0 && bind(s.fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(getsockname(s.fd, (struct sockaddr *)&addr, &len) == 0);
    s.port = ntohs(addr.sin_port);
    close(s.fd);
    char message[512], expected[128];
    CHECK_INT_EQ(probe(&s, "/ok", 1000, message, sizeof message), NODE_HTTP_FAILURE);
    snprintf(expected, sizeof expected,
             "Get \"http://127.0.0.1:%d/ok\": dial tcp 127.0.0.1:%d: connect: ", s.port, s.port);
    CHECK_STR_CONTAINS(message, expected);
}

TEST(http_probe_over_tls_accepts_any_certificate)
{
    struct server s;
    server_start(&s, by_path, true);
    char message[512];
    CHECK_INT_EQ(probe(&s, "/ok", 3000, message, sizeof message), NODE_HTTP_SUCCESS);
    CHECK_INT_EQ(probe(&s, "/fail", 3000, message, sizeof message), NODE_HTTP_FAILURE);
    CHECK_STR_EQ(message, "HTTP probe failed with statuscode: 500");
    CHECK_STR_CONTAINS(s.first_request, "\r\nUser-Agent: kube-probe/1.32\r\n");
}
