/* exec over SPDY/3.1, kubectl's fallback when the WebSocket upgrade fails (and what older clients speak):
 * POST .../exec with `Upgrade: SPDY/3.1` and the remote-command protocols in X-Stream-Protocol-Version
 * (husk answers v4.channel.k8s.io). The client then opens one stream per channel, each named by its
 * streamType header (error, stdin, stdout, stderr, resize) and each answered at once with a SYN_REPLY, as
 * the kubelet does; once the streams the query asked for are there (within 30 s, the kubelet's stream
 * creation timeout), the command runs as over WebSocket (stream_exec.c). stdin ends with the stdin
 * stream's FIN; at the end stdout and stderr get their FIN and the error stream the Status. */
#include "api/spdy_conn.h"
#include "api/stream_exec.h"

#include <poll.h>
#include <string.h>
#include <time.h>

#define STREAM_CREATION_TIMEOUT_SECONDS 30

struct exec_spdy {
    struct spdy_conn conn;
    uint32_t ids[EXEC_CHANNEL_RESIZE + 1]; /* the stream of each channel; 0 until the client opens it */
};

static int channel_of(const char *type)
{
    static const char *const types[] = {"stdin", "stdout", "stderr", "error", "resize"};
    for (int i = 0; type != NULL && i <= EXEC_CHANNEL_RESIZE; i++)
        if (strcmp(type, types[i]) == 0)
            return i;
    return -1;
}

static int channel_of_stream(const struct exec_spdy *x, uint32_t stream)
{
    for (int i = 0; i <= EXEC_CHANNEL_RESIZE; i++)
        if (x->ids[i] == stream)
            return i;
    return -1;
}

static int on_frame(void *arg, const struct spdy_frame *f)
{
    struct exec_pump *p = arg;
    struct exec_spdy *x = p->conn;
    if (f->control && f->type == SPDY_SYN_STREAM) {
        struct spdy_headers h;
        if (spdy_conn_headers(&x->conn, f, &h) < 0)
            return -1;
        int channel = channel_of(spdy_headers_get(&h, "streamtype"));
        if (channel < 0 || x->ids[channel] != 0)
            return spdy_conn_send_rst(&x->conn, f->stream_id, SPDY_REFUSED_STREAM);
        x->ids[channel] = f->stream_id;
        return spdy_conn_send_reply(&x->conn, f->stream_id);
    }
    int channel = channel_of_stream(x, f->stream_id);
    bool ends = (!f->control && (f->flags & SPDY_FLAG_FIN)) || (f->control && f->type == SPDY_RST_STREAM);
    if (!f->control && f->len > 0 && exec_input(p, (uint8_t)channel, f->data, f->len) < 0)
        return -1;
    if (channel == EXEC_CHANNEL_STDIN && ends)
        exec_input_end(p);
    return 0;
}

static bool spdy_pending(struct exec_pump *p)
{
    struct exec_spdy *x = p->conn;
    return spdy_conn_pending(&x->conn);
}

static int spdy_read(struct exec_pump *p)
{
    struct exec_spdy *x = p->conn;
    return spdy_conn_read(&x->conn, on_frame, p);
}

static int spdy_send(struct exec_pump *p, uint8_t channel, const void *data, size_t len)
{
    struct exec_spdy *x = p->conn;
    if (channel > EXEC_CHANNEL_RESIZE || x->ids[channel] == 0)
        return 0;
    return spdy_conn_send_data(&x->conn, x->ids[channel], 0, data, len);
}

/* FIN on the output streams, the Status on the error stream; then waits a moment for the client to go. */
static void spdy_finish(struct exec_pump *p, const char *status)
{
    struct exec_spdy *x = p->conn;
    for (int c = EXEC_CHANNEL_STDOUT; c <= EXEC_CHANNEL_STDERR; c++)
        if (x->ids[c] != 0)
            spdy_conn_send_data(&x->conn, x->ids[c], SPDY_FLAG_FIN, NULL, 0);
    if (x->ids[EXEC_CHANNEL_ERROR] != 0 &&
        spdy_conn_send_data(&x->conn, x->ids[EXEC_CHANNEL_ERROR], 0, status, strlen(status)) == 0)
        spdy_conn_send_data(&x->conn, x->ids[EXEC_CHANNEL_ERROR], SPDY_FLAG_FIN, NULL, 0);
    struct pollfd pfd = {x->conn.fd, POLLIN, 0};
    while (spdy_conn_pending(&x->conn) || poll(&pfd, 1, 1000) > 0)
        if (spdy_conn_read(&x->conn, on_frame, p) <= 0)
            break;
}

static const struct exec_transport spdy_transport = {spdy_pending, spdy_read, spdy_send, spdy_finish};

static bool streams_ready(const struct exec_session *s, const struct exec_spdy *x)
{
    return x->ids[EXEC_CHANNEL_ERROR] != 0 && (!s->want_in || x->ids[EXEC_CHANNEL_STDIN] != 0) &&
           (!s->want_out || x->ids[EXEC_CHANNEL_STDOUT] != 0) &&
           (!s->want_err || s->tty || x->ids[EXEC_CHANNEL_STDERR] != 0);
}

/* Waits for the client's streams; false when it left, or took too long. */
static bool await_streams(struct exec_pump *p, struct exec_spdy *x)
{
    time_t deadline = time(NULL) + STREAM_CREATION_TIMEOUT_SECONDS;
    while (!streams_ready(p->session, x)) {
        if (api_stream_stopping(&p->session->base) || time(NULL) > deadline)
            return false;
        struct pollfd pfd = {x->conn.fd, POLLIN, 0};
        if (!spdy_conn_pending(&x->conn) && poll(&pfd, 1, 500) <= 0)
            continue;
        if (spdy_conn_read(&x->conn, on_frame, p) <= 0)
            return false;
    }
    return true;
}

void exec_spdy_run(struct exec_session *s, int fd, const uint8_t *extra, size_t extra_len)
{
    struct exec_spdy x = {0};
    husk_error err = {0};
    if (spdy_conn_init(&x.conn, fd, false, extra, extra_len, &err) < 0)
        return;
    struct exec_pump p = {.transport = &spdy_transport,
                          .conn = &x,
                          .client_fd = fd,
                          .session = s,
                          .stdin_w = -1,
                          .out_r = -1,
                          .err_r = -1,
                          .done_r = -1};
    if (await_streams(&p, &x))
        exec_serve(&p);
    spdy_conn_destroy(&x.conn);
}

const char *exec_spdy_protocol(const struct api_request *req)
{
    return api_stream_spdy_offers(req, API_STREAM_V4)   ? API_STREAM_V4
           : api_stream_spdy_offers(req, API_STREAM_V5) ? API_STREAM_V5
                                                        : NULL;
}
