/* See grpc_probe.h. HTTP/2 (RFC 9113) without TLS, "prior knowledge", as the kubelet's gRPC client
 * speaks to a pod: the connection preface, SETTINGS, one request on stream 1 (HEADERS with HPACK literals,
 * never Huffman-coded, so no table is needed to write them; DATA with END_STREAM), then frames until
 * stream 1 ends. Of the response only the DATA (HealthCheckResponse) and grpc-status are read: a header
 * block is walked for that one field, whose name a server may send Huffman-coded (RFC 7541 appendix B). */
#include "node/grpc_probe.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "node/http_probe.h"
#include "node/worker.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FRAME_HEADER  9
#define FRAME_MAX     16384 /* SETTINGS_MAX_FRAME_SIZE's default, which we do not raise */
#define BODY_MAX      4096
#define SERVICE_MAX   100
#define USER_AGENT    "kube-probe/1.32"
#define GRPC_PATH     "/grpc.health.v1.Health/Check"
#define GRPC_STATUS   "grpc-status"
#define STATUS_UNSEEN (-1)

enum {
    FRAME_DATA = 0,
    FRAME_HEADERS = 1,
    FRAME_RST_STREAM = 3,
    FRAME_SETTINGS = 4,
    FRAME_PING = 6,
    FRAME_GOAWAY = 7,
    FRAME_CONTINUATION = 9
};
enum {
    FLAG_END_STREAM = 0x1,
    FLAG_ACK = 0x1,
    FLAG_END_HEADERS = 0x4,
    FLAG_PADDED = 0x8,
    FLAG_PRIORITY = 0x20
};

struct reply {
    unsigned char body[BODY_MAX];
    size_t body_len;
    int grpc_status;
    bool ended;
};

static size_t frame_header(unsigned char *out, size_t len, int type, int flags, uint32_t stream)
{
    out[0] = (unsigned char)(len >> 16);
    out[1] = (unsigned char)(len >> 8);
    out[2] = (unsigned char)len;
    out[3] = (unsigned char)type;
    out[4] = (unsigned char)flags;
    out[5] = (unsigned char)(stream >> 24);
    out[6] = (unsigned char)(stream >> 16);
    out[7] = (unsigned char)(stream >> 8);
    out[8] = (unsigned char)stream;
    return FRAME_HEADER;
}

/* A string literal, not Huffman-coded; values here are short (a 7-bit length). */
static size_t hpack_string(unsigned char *out, const char *s)
{
    size_t n = strlen(s);
    out[0] = (unsigned char)n;
    memcpy(out + 1, s, n);
    return n + 1;
}

/* The request: preface, SETTINGS, HEADERS, DATA (a length-prefixed HealthCheckRequest{service}). */
static size_t build_request(unsigned char *out, int port, const char *service)
{
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    size_t n = sizeof preface - 1;
    memcpy(out, preface, n);
    n += frame_header(out + n, 0, FRAME_SETTINGS, 0, 0);
    unsigned char block[512];
    char authority[32];
    snprintf(authority, sizeof authority, "127.0.0.1:%d", port);
    size_t b = 0;
    block[b++] = 0x83; /* :method POST (static index 3) */
    block[b++] = 0x86; /* :scheme http (6) */
    block[b++] = 0x04; /* :path (4), a literal value, not indexed */
    b += hpack_string(block + b, GRPC_PATH);
    block[b++] = 0x01; /* :authority (1) */
    b += hpack_string(block + b, authority);
    block[b++] = 0x0f; /* content-type (31 = 15 + 16) */
    block[b++] = 0x10;
    b += hpack_string(block + b, "application/grpc");
    block[b++] = 0x0f; /* user-agent (58 = 15 + 43) */
    block[b++] = 0x2b;
    b += hpack_string(block + b, USER_AGENT);
    block[b++] = 0x00; /* a literal name */
    b += hpack_string(block + b, "te");
    b += hpack_string(block + b, "trailers");
    n += frame_header(out + n, b, FRAME_HEADERS, FLAG_END_HEADERS, 1);
    memcpy(out + n, block, b);
    n += b;
    size_t slen = strlen(service), message = slen ? 2 + slen : 0;
    n += frame_header(out + n, 5 + message, FRAME_DATA, FLAG_END_STREAM, 1);
    unsigned char *m = out + n;
    memset(m, 0, 5); /* not compressed, then the length (< 256 here) */
    m[4] = (unsigned char)message;
    if (slen) {
        m[5] = 0x0a; /* field 1, length-delimited */
        m[6] = (unsigned char)slen;
        memcpy(m + 7, service, slen);
    }
    return n + 5 + message;
}

/* An HPACK integer with an N-bit prefix (RFC 7541 5.1); -1 past the end. */
static long hpack_int(const unsigned char *p, size_t len, size_t *pos, int prefix)
{
    if (*pos >= len)
        return -1;
    long max = (1L << prefix) - 1, v = p[(*pos)++] & max;
    if (v < max)
        return v;
    for (int shift = 0; *pos < len && shift < 28; shift += 7) {
        unsigned char c = p[(*pos)++];
        v += (long)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    return -1;
}

/* The Huffman codes (RFC 7541 appendix B) of the characters of "grpc-status" and of digits: enough to
 * recognise that name and read its value, whatever a server codes. The codes are prefix-free, so a match
 * against this subset is a match against the whole table. */
static const struct {
    char c;
    unsigned char bits;
    unsigned code;
} huffman[] = {{'0', 5, 0x0},  {'1', 5, 0x1},  {'2', 5, 0x2},  {'3', 6, 0x19}, {'4', 6, 0x1a},
               {'5', 6, 0x1b}, {'6', 6, 0x1c}, {'7', 6, 0x1d}, {'8', 6, 0x1e}, {'9', 6, 0x1f},
               {'-', 6, 0x16}, {'a', 5, 0x3},  {'c', 5, 0x4},  {'g', 6, 0x26}, {'p', 6, 0x2b},
               {'r', 6, 0x2c}, {'s', 5, 0x8},  {'t', 5, 0x9},  {'u', 6, 0x2d}};

/* Decodes a Huffman string of those characters into out; false for any other (or too long). */
static bool huffman_decode(const unsigned char *p, size_t len, char *out, size_t size)
{
    size_t bit = 0, total = len * 8, n = 0;
    while (bit < total) {
        size_t left = total - bit;
        bool matched = false;
        for (size_t i = 0; i < sizeof huffman / sizeof huffman[0] && !matched; i++) {
            if (huffman[i].bits > left)
                continue;
            unsigned v = 0;
            for (unsigned k = 0; k < huffman[i].bits; k++)
                v = (v << 1) | ((p[(bit + k) / 8] >> (7 - (bit + k) % 8)) & 1);
            if (v == huffman[i].code && n + 1 < size) {
                out[n++] = huffman[i].c;
                bit += huffman[i].bits;
                matched = true;
            }
        }
        if (!matched) {
            /* The end: padding is up to 7 one bits (the EOS code's prefix). */
            if (left >= 8)
                return false;
            for (size_t k = bit; k < total; k++)
                if (!((p[k / 8] >> (7 - k % 8)) & 1))
                    return false;
            break;
        }
    }
    out[n] = '\0';
    return true;
}

/* A string at *pos into out (decoded if Huffman-coded); out is "" for what cannot be read here. */
static int hpack_read_string(const unsigned char *p, size_t len, size_t *pos, char *out, size_t size)
{
    if (*pos >= len)
        return -1;
    bool coded = p[*pos] & 0x80;
    long n = hpack_int(p, len, pos, 7);
    if (n < 0 || (size_t)n > len - *pos)
        return -1;
    out[0] = '\0';
    if (coded) {
        if (!huffman_decode(p + *pos, (size_t)n, out, size))
            out[0] = '\0';
    } else if ((size_t)n < size) {
        memcpy(out, p + *pos, (size_t)n);
        out[n] = '\0';
    }
    *pos += (size_t)n;
    return 0;
}

/* Finds grpc-status among a header block's literals. An indexed field cannot be it: the name is only
 * ever in the dynamic table after its first, literal, use, and a connection carries one response. */
static void find_grpc_status(const unsigned char *p, size_t len, struct reply *r)
{
    size_t pos = 0;
    while (pos < len) {
        unsigned char c = p[pos];
        if (c & 0x80) { /* indexed */
            if (hpack_int(p, len, &pos, 7) < 0)
                return;
            continue;
        }
        if ((c & 0xe0) == 0x20) { /* dynamic table size update */
            if (hpack_int(p, len, &pos, 5) < 0)
                return;
            continue;
        }
        long index = hpack_int(p, len, &pos, (c & 0xc0) == 0x40 ? 6 : 4);
        char name[32] = "", value[32];
        if (index < 0 || (index == 0 && hpack_read_string(p, len, &pos, name, sizeof name) < 0) ||
            hpack_read_string(p, len, &pos, value, sizeof value) < 0)
            return;
        if (strcmp(name, GRPC_STATUS) == 0 && value[0] >= '0' && value[0] <= '9')
            r->grpc_status = (int)strtol(value, NULL, 10);
    }
}

static int read_full(int fd, unsigned char *buf, size_t n, int64_t deadline_ms)
{
    size_t done = 0;
    while (done < n) {
        node_probe_set_timeouts(fd, deadline_ms);
        ssize_t r = read(fd, buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* A frame's payload less its padding and priority fields; false if they do not fit. */
static bool strip_padding(const unsigned char **payload, size_t *len, int flags, bool headers)
{
    size_t pad = 0;
    if (flags & FLAG_PADDED) {
        if (*len < 1)
            return false;
        pad = (*payload)[0];
        (*payload)++, (*len)--;
    }
    if (headers && (flags & FLAG_PRIORITY)) {
        if (*len < 5)
            return false;
        *payload += 5, *len -= 5;
    }
    if (pad > *len)
        return false;
    *len -= pad;
    return true;
}

/* One frame from the server, handled; -1 when the connection or stream 1 fails. */
static int handle_frame(int fd, int64_t deadline_ms, struct reply *r, unsigned char *block, size_t *block_len)
{
    unsigned char h[FRAME_HEADER], payload[FRAME_MAX];
    if (read_full(fd, h, sizeof h, deadline_ms) < 0)
        return -1;
    size_t len = ((size_t)h[0] << 16) | ((size_t)h[1] << 8) | h[2];
    int type = h[3], flags = h[4];
    uint32_t stream = (((uint32_t)h[5] & 0x7f) << 24) | ((uint32_t)h[6] << 16) | ((uint32_t)h[7] << 8) | h[8];
    if (len > FRAME_MAX || read_full(fd, payload, len, deadline_ms) < 0)
        return -1;
    if (type == FRAME_SETTINGS && !(flags & FLAG_ACK)) {
        unsigned char ack[FRAME_HEADER];
        frame_header(ack, 0, FRAME_SETTINGS, FLAG_ACK, 0);
        return husk_write_all(fd, ack, sizeof ack);
    }
    if (type == FRAME_PING && !(flags & FLAG_ACK) && len == 8) {
        unsigned char pong[FRAME_HEADER + 8];
        frame_header(pong, 8, FRAME_PING, FLAG_ACK, 0);
        memcpy(pong + FRAME_HEADER, payload, 8);
        return husk_write_all(fd, pong, sizeof pong);
    }
    if (type == FRAME_GOAWAY || (type == FRAME_RST_STREAM && stream == 1))
        return -1;
    if (stream != 1 || (type != FRAME_DATA && type != FRAME_HEADERS && type != FRAME_CONTINUATION))
        return 0;
    const unsigned char *p = payload;
    if (type != FRAME_CONTINUATION && !strip_padding(&p, &len, flags, type == FRAME_HEADERS))
        return -1;
    if (type == FRAME_DATA) {
        size_t room = sizeof r->body - r->body_len, take = len < room ? len : room;
        memcpy(r->body + r->body_len, p, take);
        r->body_len += take;
    } else {
        if (*block_len + len > FRAME_MAX)
            return -1;
        memcpy(block + *block_len, p, len);
        *block_len += len;
        if (flags & FLAG_END_HEADERS) {
            find_grpc_status(block, *block_len, r);
            *block_len = 0;
        }
    }
    if ((type == FRAME_DATA || type == FRAME_HEADERS) && (flags & FLAG_END_STREAM))
        r->ended = true;
    return 0;
}

bool node_grpc_probe(const char *host, int port, const char *service, int timeout_ms, char *message,
                     size_t size)
{
    static const char *const names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
    int64_t deadline = husk_now_ms() + (timeout_ms > 0 ? timeout_ms : 1000);
    if (service == NULL)
        service = "";
    if (strlen(service) > SERVICE_MAX)
        return snprintf(message, size, "grpc service name too long"), false;
    char error[256];
    cleanup_close int fd = node_probe_dial(host, port, deadline, error, sizeof error);
    unsigned char request[256 + SERVICE_MAX];
    size_t len = fd < 0 ? 0 : build_request(request, port, service);
    if (fd < 0 || husk_write_all(fd, request, len) < 0) {
        snprintf(message, size, "failed to connect service \"%s:%d\" within %ds: %s", host, port,
                 (timeout_ms > 0 ? timeout_ms : 1000) / 1000, fd < 0 ? error : strerror(errno));
        return false;
    }
    struct reply *r = calloc(1, sizeof *r);
    unsigned char *block = malloc(FRAME_MAX);
    size_t block_len = 0;
    int rc = r && block ? 0 : -1;
    if (r != NULL)
        r->grpc_status = STATUS_UNSEEN;
    while (rc == 0 && !r->ended)
        rc = handle_frame(fd, deadline, r, block, &block_len);
    bool ok = false;
    /* grpc-status decides when it was read; a DATA message alone otherwise. */
    if (rc < 0 || r->grpc_status > 0) {
        if (r != NULL && r->grpc_status > 0)
            snprintf(message, size, "health rpc failed: grpc-status %d", r->grpc_status);
        else
            snprintf(message, size, "health rpc failed: %s",
                     husk_now_ms() >= deadline ? "context deadline exceeded" : "the connection failed");
    } else {
        /* After the 5-byte message header: field 1 (status) as a varint, absent meaning UNKNOWN. */
        int status = r->body_len >= 7 && r->body[5] == 0x08 ? r->body[6] : 0;
        ok = status == 1;
        if (!ok)
            snprintf(message, size, "service unhealthy (responded with \"%s\")",
                     status >= 0 && status < 4 ? names[status] : "UNKNOWN");
    }
    free(r);
    free(block);
    return ok;
}
