/* A server's SPDY/3.1 connection, plain or tunneled in WebSocket messages: see spdy_conn.h. */
#include "api/spdy_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int spdy_conn_init(struct spdy_conn *c, int fd, bool websocket, const uint8_t *extra, size_t extra_len,
                   husk_error *err)
{
    *c = (struct spdy_conn){.fd = fd, .websocket = websocket};
    if (websocket)
        return ws_conn_init(&c->ws, fd, extra, extra_len, err);
    if (extra_len > 0) {
        c->in = malloc(extra_len);
        if (c->in == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        memcpy(c->in, extra, extra_len);
        c->in_len = extra_len;
    }
    return 0;
}

void spdy_conn_destroy(struct spdy_conn *c)
{
    if (c->websocket)
        ws_conn_destroy(&c->ws);
    spdy_zlib_free(&c->z);
    free(c->in);
    c->in = NULL;
}

static bool frame_buffered(const struct spdy_conn *c)
{
    struct spdy_frame f;
    husk_error err = {0};
    return spdy_frame_parse(c->in, c->in_len, &f, &err) != 0; /* a bad frame counts: it is reported */
}

bool spdy_conn_pending(struct spdy_conn *c)
{
    return frame_buffered(c) || (c->websocket && ws_conn_has_frame(&c->ws));
}

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

/* One frame: its 8-byte header, then the payload. */
static int send_frame(struct spdy_conn *c, const uint8_t header[8], const void *payload, size_t len)
{
    husk_error err = {0};
    if (c->websocket)
        return ws_conn_send(&c->ws, WS_BINARY, header, 8, payload, len, &err);
    uint8_t *buf = malloc(8 + len);
    if (buf == NULL)
        return -1;
    memcpy(buf, header, 8);
    if (len > 0)
        memcpy(buf + 8, payload, len);
    int r = send_all(c->fd, buf, 8 + len);
    free(buf);
    return r;
}

int spdy_conn_send_data(struct spdy_conn *c, uint32_t stream, uint8_t flags, const void *data, size_t len)
{
    uint8_t header[8];
    spdy_data_header(header, stream, flags, len);
    return send_frame(c, header, data, len);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int spdy_conn_send_rst(struct spdy_conn *c, uint32_t stream, uint32_t status)
{
    uint8_t header[8], payload[8];
    put32(payload, stream);
    put32(payload + 4, status);
    spdy_control_header(header, SPDY_RST_STREAM, 0, sizeof payload);
    return send_frame(c, header, payload, sizeof payload);
}

int spdy_conn_send_reply(struct spdy_conn *c, uint32_t stream)
{
    husk_error err = {0};
    uint8_t *block = NULL;
    size_t len = 0;
    if (spdy_headers_encode(&c->z, NULL, NULL, 0, &block, &len, &err) < 0)
        return -1;
    uint8_t *payload = malloc(4 + len);
    if (payload == NULL) {
        free(block);
        return -1;
    }
    put32(payload, stream);
    memcpy(payload + 4, block, len);
    free(block);
    uint8_t header[8];
    spdy_control_header(header, SPDY_SYN_REPLY, 0, 4 + len);
    int r = send_frame(c, header, payload, 4 + len);
    free(payload);
    return r;
}

int spdy_conn_headers(struct spdy_conn *c, const struct spdy_frame *f, struct spdy_headers *ret_headers)
{
    husk_error err = {0};
    return spdy_headers_decode(&c->z, f->data, f->len, ret_headers, &err);
}

/* Handles every complete frame in the buffer, then keeps the rest. */
static int handle_buffered(struct spdy_conn *c, spdy_frame_handler handler, void *arg)
{
    size_t pos = 0;
    int r = 1;
    while (r > 0) {
        struct spdy_frame f;
        husk_error err = {0};
        long used = spdy_frame_parse(c->in + pos, c->in_len - pos, &f, &err);
        if (used <= 0) {
            r = used < 0 ? -1 : r;
            break;
        }
        if (f.control && f.type == SPDY_PING)
            r = send_frame(c, c->in + pos, f.data, 4) < 0 ? -1 : 1; /* echoed as it came */
        else if (f.control && f.type == SPDY_GOAWAY)
            r = 0;
        else if (handler(arg, &f) < 0)
            r = -1;
        pos += (size_t)used;
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return r;
}

static int append(struct spdy_conn *c, const uint8_t *data, size_t len)
{
    uint8_t *grown = realloc(c->in, c->in_len + len + 1);
    if (grown == NULL)
        return -1;
    c->in = grown;
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
    return 0;
}

int spdy_conn_read(struct spdy_conn *c, spdy_frame_handler handler, void *arg)
{
    if (frame_buffered(c))
        return handle_buffered(c, handler, arg);
    husk_error err = {0};
    if (c->websocket) {
        struct ws_frame f;
        bool first;
        int r = ws_conn_next(&c->ws, &f, &first, &err);
        if (r != 1)
            return r == 2 ? 1 : r;
        if (append(c, f.payload, f.payload_len) < 0)
            return -1;
    } else {
        uint8_t buf[32768];
        ssize_t n;
        while ((n = read(c->fd, buf, sizeof buf)) < 0 && errno == EINTR)
            ;
        if (n <= 0)
            return n < 0 ? -1 : 0;
        if (append(c, buf, (size_t)n) < 0)
            return -1;
    }
    return handle_buffered(c, handler, arg);
}
