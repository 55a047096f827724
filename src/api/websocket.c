/* WebSocket (RFC 6455) for the streaming subresources: see websocket.h. */
#include "api/websocket.h"
#include "base/base64.h"

#include <errno.h>
#include <nettle/sha1.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* RFC 6455 section 1.3: the GUID appended to the client's key. */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

#define WS_CLIENT_SILENCE_MS 90000

static bool valid_opcode(uint8_t op)
{
    return op <= WS_BINARY || (op >= WS_CLOSE && op <= WS_PONG);
}

/* The payload length and where the mask (or payload) begins; 0 when more bytes are needed. */
static size_t parse_length(const uint8_t *buf, size_t len, uint64_t *ret_len)
{
    uint8_t len7 = buf[1] & 0x7F;
    if (len7 < 126) {
        *ret_len = len7;
        return 2;
    }
    size_t bytes = len7 == 126 ? 2 : 8;
    if (len < 2 + bytes)
        return 0;
    uint64_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n = (n << 8) | buf[2 + i];
    *ret_len = n;
    return 2 + bytes;
}

/* Sets err; returns -1 (a long, so that callers and analyzers see the failure). */
static long frame_error(husk_error *err, int code, const char *message)
{
    husk_error_set(err, code, "websocket: %s", message);
    return -1;
}

long ws_frame_parse(uint8_t *buf, size_t len, struct ws_frame *ret_frame, husk_error *err)
{
    if (len < 2)
        return 0;
    uint8_t op = buf[0] & 0x0F;
    if ((buf[0] & 0x70) != 0)
        return frame_error(err, EPROTO, "reserved bits set in a frame");
    if (!valid_opcode(op)) {
        husk_error_set(err, EPROTO, "websocket: unknown opcode %u", op);
        return -1;
    }
    if ((buf[1] & 0x80) == 0)
        return frame_error(err, EPROTO, "a client frame is not masked");
    uint64_t payload_len = 0;
    size_t pos = parse_length(buf, len, &payload_len);
    if (pos == 0)
        return 0;
    bool fin = (buf[0] & 0x80) != 0;
    if (op >= WS_CLOSE && (!fin || payload_len > 125))
        return frame_error(err, EPROTO, "a control frame is fragmented or too long");
    if (payload_len > WS_MAX_FRAME_PAYLOAD) {
        husk_error_set(err, EMSGSIZE, "websocket: a frame of %llu bytes is over the limit of %d",
                       (unsigned long long)payload_len, WS_MAX_FRAME_PAYLOAD);
        return -1;
    }
    if (len < pos + 4 + payload_len)
        return 0;
    const uint8_t *mask = buf + pos;
    uint8_t *payload = buf + pos + 4;
    for (size_t i = 0; i < payload_len; i++)
        payload[i] ^= mask[i % 4];
    *ret_frame = (struct ws_frame){.fin = fin, .opcode = op, .payload = payload, .payload_len = payload_len};
    return (long)(pos + 4 + payload_len);
}

size_t ws_frame_header_encode(uint8_t out[10], bool fin, uint8_t opcode, uint64_t len)
{
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xFFFF) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

int ws_accept_key(const char *client_key, char *buf, size_t size, husk_error *err)
{
    char joined[256];
    if (client_key == NULL || strlen(client_key) + sizeof WS_GUID > sizeof joined)
        return husk_error_set(err, EINVAL, "websocket: missing or overlong Sec-WebSocket-Key");
    if (size < HUSK_BASE64_ENCODED_SIZE(SHA1_DIGEST_SIZE))
        return husk_error_set(err, ENOSPC, "websocket: accept key buffer too small");
    int n = snprintf(joined, sizeof joined, "%s%s", client_key, WS_GUID);
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, (size_t)n, (const uint8_t *)joined);
    sha1_digest(&ctx, sizeof digest, digest);
    husk_base64_encode(digest, sizeof digest, buf);
    return 0;
}

bool ws_protocol_offered(const char *header, const char *protocol)
{
    size_t want = strlen(protocol);
    for (const char *p = header; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ", \t");
        if (n == want && strncmp(p, protocol, n) == 0)
            return true;
        p += n;
    }
    return false;
}

int ws_conn_init(struct ws_conn *c, int fd, const void *extra, size_t extra_len, husk_error *err)
{
    *c = (struct ws_conn){.fd = fd};
    if (extra_len > 0) {
        c->in = malloc(extra_len);
        if (c->in == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        memcpy(c->in, extra, extra_len);
        c->in_len = extra_len;
    }
    pthread_mutex_init(&c->write_lock, NULL);
    return 0;
}

void ws_conn_destroy(struct ws_conn *c)
{
    free(c->in);
    c->in = NULL;
    pthread_mutex_destroy(&c->write_lock);
}

/* Drops the frame handed out last. */
static void drop_consumed(struct ws_conn *c)
{
    if (c->in_skip == 0)
        return;
    memmove(c->in, c->in + c->in_skip, c->in_len - c->in_skip);
    c->in_len -= c->in_skip;
    c->in_skip = 0;
}

bool ws_conn_has_frame(struct ws_conn *c)
{
    drop_consumed(c);
    if (c->in_len < 2)
        return false;
    uint64_t payload_len = 0;
    size_t pos = parse_length(c->in, c->in_len, &payload_len);
    /* A malformed frame counts as present: ws_conn_next then reports it without blocking. */
    return pos > 0 && (payload_len > WS_MAX_FRAME_PAYLOAD || c->in_len >= pos + 4 + payload_len);
}

/* Reads more bytes; 0 at the end of the stream. */
static int fill(struct ws_conn *c, husk_error *err)
{
    uint8_t *grown = realloc(c->in, c->in_len + 65536);
    if (grown == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    c->in = grown;
    /* kubectl pings every 5 s (exec) or 10 s (port-forward) and gives up after 61 s: a client silent for
     * longer is gone (its TCP connection may not say so). */
    struct pollfd pfd = {c->fd, POLLIN, 0};
    int ready;
    while ((ready = poll(&pfd, 1, WS_CLIENT_SILENCE_MS)) < 0 && errno == EINTR)
        ;
    if (ready == 0)
        return husk_error_set(err, ETIMEDOUT, "websocket: the client sent nothing for %d s",
                              WS_CLIENT_SILENCE_MS / 1000);
    ssize_t n;
    while ((n = read(c->fd, c->in + c->in_len, 65536)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return husk_error_set_errno(err, errno, "websocket: reading");
    c->in_len += (size_t)n;
    return n > 0 ? 1 : 0;
}

/* Handles a control frame; returns 0 after a close, 1 to go on. */
static int control_frame(struct ws_conn *c, const struct ws_frame *f, husk_error *err)
{
    if (f->opcode == WS_PING)
        return ws_conn_send(c, WS_PONG, NULL, 0, f->payload, f->payload_len, err) < 0 ? -1 : 1;
    if (f->opcode == WS_CLOSE) {
        c->closed = true;
        uint16_t code = f->payload_len >= 2 ? (uint16_t)((f->payload[0] << 8) | f->payload[1]) : 1000;
        ws_conn_close(c, code, err);
        return 0;
    }
    return 1; /* a pong: the client answering a ping it was never sent, or keeping alive */
}

int ws_conn_next(struct ws_conn *c, struct ws_frame *ret_frame, bool *ret_first, husk_error *err)
{
    for (;;) {
        drop_consumed(c);
        if (c->closed)
            return 0;
        struct ws_frame f;
        long used = ws_frame_parse(c->in, c->in_len, &f, err);
        if (used < 0)
            return -1;
        if (used == 0) {
            int r = fill(c, err);
            if (r <= 0) {
                c->closed = true;
                return r;
            }
            continue;
        }
        c->in_skip = (size_t)used;
        if (f.opcode >= WS_CLOSE) {
            int r = control_frame(c, &f, err);
            if (r <= 0)
                return r;
            if (!ws_conn_has_frame(c))
                return 2; /* no data yet: the caller polls again, rather than block here */
            continue;
        }
        if ((f.opcode == WS_CONTINUATION) != c->message_open)
            return husk_error_set(err, EPROTO, "websocket: a continuation frame out of place");
        *ret_first = f.opcode != WS_CONTINUATION;
        c->message_open = !f.fin;
        *ret_frame = f;
        return 1;
    }
}

static int write_all(int fd, struct iovec *iov, int count, husk_error *err)
{
    while (count > 0) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)count};
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return husk_error_set_errno(err, errno, "websocket: writing");
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

int ws_conn_send(struct ws_conn *c, uint8_t opcode, const void *prefix, size_t plen, const void *data,
                 size_t len, husk_error *err)
{
    uint8_t header[10];
    size_t hlen = ws_frame_header_encode(header, true, opcode, (uint64_t)plen + len);
    struct iovec iov[3] = {{header, hlen}, {(void *)prefix, plen}, {(void *)data, len}};
    pthread_mutex_lock(&c->write_lock);
    int r = write_all(c->fd, iov, 3, err);
    pthread_mutex_unlock(&c->write_lock);
    return r;
}

int ws_conn_close(struct ws_conn *c, uint16_t code, husk_error *err)
{
    uint8_t payload[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    return ws_conn_send(c, WS_CLOSE, NULL, 0, payload, sizeof payload, err);
}
