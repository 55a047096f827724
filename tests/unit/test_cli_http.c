/* The CLI's HTTP/1.1 client (src/cli/http_reply.c, http_client.c): replies framed by Content-Length,
 * chunked coding or the end of the connection, fed whole or a byte at a time; malformed replies refused with
 * what was wrong; and whole exchanges with a server on a real unix socket: the request it sees, a reply in
 * pieces, a server that closes mid-reply, one that does not answer in time, one that is not there. */
#include "harness.h"
#include "cli/http_client.h"
#include "cli/http_reply.h"

#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

struct collected {
    char body[4096];
    size_t len;
    long code;
    size_t stop_after; /* stop once this much came; 0: never */
};

static int collect(void *data, long code, const char *bytes, size_t len)
{
    struct collected *c = data;
    c->code = code;
    if (c->len + len < sizeof c->body) {
        memcpy(c->body + c->len, bytes, len);
        c->len += len;
        c->body[c->len] = '\0';
    }
    return c->stop_after > 0 && c->len >= c->stop_after;
}

/* Parses text whole (step 0) or in pieces of step bytes; returns the final state. */
static enum cli_http_state parse(const char *text, size_t step, bool eof, struct collected *c,
                                 struct cli_http_reply *r)
{
    memset(c, 0, sizeof *c);
    cli_http_reply_init(r, collect, c);
    size_t len = strlen(text);
    for (size_t i = 0; i < len && r->state != CLI_HTTP_DONE && r->state != CLI_HTTP_ERROR;) {
        size_t n = step == 0 || len - i < step ? len - i : step;
        size_t used = cli_http_reply_feed(r, text + i, n);
        i += used;
        if (used < n)
            break;
    }
    if (eof)
        cli_http_reply_eof(r);
    return r->state;
}

static const char *const CHUNKED =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json"
    "\r\n\r\n5\r\n{\"a\":\r\nB;ext=1\r\n1}\n{\"b\":2}\n\r\n0\r\nX-Trailer: y\r\n\r\n";

TEST(http_reply_framings_whole_and_byte_by_byte)
{
    struct collected c;
    struct cli_http_reply r;
    for (size_t step = 0; step <= 1; step++) {
        CHECK_INT_EQ(parse(CHUNKED, step, false, &c, &r), CLI_HTTP_DONE);
        CHECK_INT_EQ(r.code, 200);
        CHECK_STR_EQ(c.body, "{\"a\":1}\n{\"b\":2}\n");
        CHECK_INT_EQ(
            parse("HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\n\r\nnopeEXTRA", step, false, &c, &r),
            CLI_HTTP_DONE);
        CHECK_INT_EQ(r.code, 404);
        CHECK_STR_EQ(c.body, "nope");
        /* No length: the body is what comes until the connection ends. */
        CHECK_INT_EQ(parse("HTTP/1.0 200 OK\nServer: x\n\nuntil the end", step, false, &c, &r),
                     CLI_HTTP_BODY_TO_EOF);
        CHECK(cli_http_reply_eof(&r));
        CHECK_STR_EQ(c.body, "until the end");
        /* An interim 100 Continue, then the reply; 204 has no body. */
        CHECK_INT_EQ(
            parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", step, false, &c, &r),
            CLI_HTTP_DONE);
        CHECK_INT_EQ(r.code, 204);
        CHECK_INT_EQ(c.len, 0);
    }
}

TEST(http_reply_refuses_malformed_replies)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"SSH-2.0-OpenSSH\r\n", "not an HTTP/1.1 status line"},
        {"HTTP/1.1 20 OK\r\n", "not an HTTP/1.1 status line"},
        {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a header field without a name"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "a wrong Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "a wrong Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "a Content-Length too large"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "a wrong chunk size"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1111111111111111\r\n", "a chunk too large"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "a chunk longer than its size"},
    };
    struct collected c;
    struct cli_http_reply r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT_EQ(parse(cases[i].text, 0, false, &c, &r), CLI_HTTP_ERROR);
        CHECK_STR_EQ(r.error, cases[i].error);
    }
    /* A header line longer than the limit, and a reply cut short. */
    char *long_line = malloc(CLI_HTTP_LINE_MAX + 64);
    CHECK(long_line != NULL);
    snprintf(long_line, CLI_HTTP_LINE_MAX + 64, "HTTP/1.1 200 OK\r\nX: %0*d\r\n", CLI_HTTP_LINE_MAX, 0);
    CHECK_INT_EQ(parse(long_line, 0, false, &c, &r), CLI_HTTP_ERROR);
    CHECK_STR_EQ(r.error, "a header line too long");
    free(long_line);
    parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 0, false, &c, &r);
    CHECK(!cli_http_reply_eof(&r));
    /* The body's reader may stop the reply. */
    memset(&c, 0, sizeof c);
    c.stop_after = 3;
    cli_http_reply_init(&r, collect, &c);
    cli_http_reply_feed(&r, CHUNKED, strlen(CHUNKED));
    CHECK(r.stopped);
    CHECK(cli_http_reply_eof(&r));
    CHECK_STR_EQ(c.body, "{\"a\":");
}

TEST(url_escape_keeps_only_unreserved_bytes)
{
    char *e = cli_url_escape("app=web,tier in (a b)/~x.y_z-1\xc3\xa9");
    CHECK_STR_EQ(e, "app%3Dweb%2Ctier%20in%20%28a%20b%29%2F~x.y_z-1%C3%A9");
    free(e);
}

/* A server on a real unix socket: takes one connection, reads the request head and body, answers with the
 * pieces given (a short pause between them), then closes, or with no pieces keeps the connection open. */
struct server {
    char path[108];
    int listen_fd;
    const char *pieces[4];
    char request[4096];
    pthread_t thread;
};

static void *serve(void *arg)
{
    struct server *s = arg;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, s->request + len, sizeof s->request - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        s->request[len] = '\0';
        char *end = strstr(s->request, "\r\n\r\n");
        const char *cl = strstr(s->request, "Content-Length: ");
        if (end != NULL && cl != NULL && len >= (size_t)(end + 4 - s->request) + strtoul(cl + 16, NULL, 10))
            break;
    }
    if (s->pieces[0] == NULL) {
        sleep(3);
    } else {
        for (int i = 0; i < 4 && s->pieces[i] != NULL; i++) {
            if (write(fd, s->pieces[i], strlen(s->pieces[i])) < 0)
                break;
            usleep(20000);
        }
    }
    close(fd);
    return NULL;
}

static void server_start(struct server *s)
{
    snprintf(s->path, sizeof s->path, "/tmp/husk-test-http-%d.sock", (int)getpid());
    unlink(s->path);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", s->path);
    CHECK(bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(s->listen_fd, 1) == 0);
    CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
}

static void server_stop(struct server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    unlink(s->path);
}

TEST(http_exchange_over_a_unix_socket)
{
    struct server s = {.pieces = {"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a",
                                  "\"\r\n3\r\n:1}\r\n", "0\r\n\r\n"}};
    server_start(&s);
    struct collected c = {0};
    long code = 0;
    husk_error err = {0};
    CHECK_INT_EQ(cli_http_exchange(s.path, "POST", "/api/v1/namespaces/default/pods", "application/yaml",
                                   "kind: Pod\n", 5000, collect, &c, &code, &err),
                 0);
    server_stop(&s);
    CHECK_INT_EQ(code, 201);
    CHECK_STR_EQ(c.body, "{\"a\":1}");
    CHECK(strncmp(s.request, "POST /api/v1/namespaces/default/pods HTTP/1.1\r\n", 47) == 0);
    CHECK(strstr(s.request, "\r\nHost: localhost\r\n") != NULL);
    CHECK(strstr(s.request, "\r\nContent-Type: application/yaml\r\n") != NULL);
    CHECK(strstr(s.request, "\r\nContent-Length: 10\r\n\r\nkind: Pod\n") != NULL);

    /* Closed in the middle of a reply. */
    struct server cut = {.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\""}};
    server_start(&cut);
    memset(&c, 0, sizeof c);
    CHECK_INT_EQ(cli_http_exchange(cut.path, "GET", "/x", NULL, NULL, 5000, collect, &c, &code, &err), -1);
    server_stop(&cut);
    CHECK_INT_EQ(err.code, EIO);
    CHECK(strstr(err.message, "closed the connection in the middle of its reply") != NULL);

    /* No answer within the time limit. */
    struct server mute = {0};
    server_start(&mute);
    CHECK_INT_EQ(cli_http_exchange(mute.path, "GET", "/x", NULL, NULL, 1000, collect, &c, &code, &err), -1);
    CHECK_INT_EQ(err.code, ETIMEDOUT);
    CHECK(strstr(err.message, "no reply from the husk daemon at ") != NULL);
    server_stop(&mute);

    /* Nobody there. */
    CHECK_INT_EQ(
        cli_http_exchange("/nonexistent/husk.sock", "GET", "/x", NULL, NULL, 1000, collect, &c, &code, &err),
        -1);
    CHECK_INT_EQ(err.code, ECONNREFUSED);
    CHECK_STR_EQ(err.message,
                 "cannot reach the husk daemon at /nonexistent/husk.sock: is `husk daemon` running?");
}
