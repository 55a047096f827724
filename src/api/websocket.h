/* WebSocket (RFC 6455), server side, as kubectl's streaming commands use it: the handshake's accept key and
 * subprotocol choice, the frame codec (pure, fuzzed, unit-tested), and a small connection over a blocking
 * socket that answers pings and reassembles nothing: each data frame is handed on as it arrives, with
 * whether it begins a message (the remote-command protocols put the channel byte first in a message).
 * Internal to src/api. */
#ifndef HUSK_API_WEBSOCKET_H
#define HUSK_API_WEBSOCKET_H

#include "base/error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
    WS_CONTINUATION = 0x0,
    WS_TEXT = 0x1,
    WS_BINARY = 0x2,
    WS_CLOSE = 0x8,
    WS_PING = 0x9,
    WS_PONG = 0xA,
};

/* The largest frame payload accepted from a client (kubectl writes at most 32 KiB + 1 per frame). */
#define WS_MAX_FRAME_PAYLOAD (1024 * 1024)

struct ws_frame {
    bool fin;
    uint8_t opcode;
    const uint8_t *payload; /* unmasked, inside the parsed buffer */
    size_t payload_len;
};

/* Parses one complete frame at the start of buf (len bytes), unmasking its payload in place. Returns the
 * bytes it took (> 0), 0 when more bytes are needed, or -1 with err set on a protocol error (a client frame
 * without a mask, reserved bits, a fragmented or oversized control frame, a payload over
 * WS_MAX_FRAME_PAYLOAD). */
long ws_frame_parse(uint8_t *buf, size_t len, struct ws_frame *ret_frame, husk_error *err);

/* Writes a server frame header (never masked) for a payload of len bytes; returns its size (2 to 10). */
size_t ws_frame_header_encode(uint8_t out[10], bool fin, uint8_t opcode, uint64_t len);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)); 28 chars + NUL. */
int ws_accept_key(const char *client_key, char *buf, size_t size, husk_error *err);

/* Whether a Sec-WebSocket-Protocol header (comma-separated tokens) offers protocol. */
bool ws_protocol_offered(const char *header, const char *protocol);

/* A server connection on a connected socket. Writes are serialized by a lock, so several threads may
 * write; one thread reads. */
struct ws_conn {
    int fd;
    pthread_mutex_t write_lock;
    uint8_t *in;       /* bytes read and not yet parsed */
    size_t in_len;     /* how many */
    size_t in_skip;    /* bytes of the last returned frame, dropped on the next read */
    bool message_open; /* a data message has begun and not yet ended */
    bool closed;       /* a close frame came, or the socket ended */
};

/* Takes fd (not owned) and the bytes the HTTP layer read past the handshake. */
int ws_conn_init(struct ws_conn *c, int fd, const void *extra, size_t extra_len, husk_error *err);
void ws_conn_destroy(struct ws_conn *c);

/* Whether a complete frame is already buffered (then ws_conn_next does not block). */
bool ws_conn_has_frame(struct ws_conn *c);

/* The next data frame: answers pings, ignores pongs; *ret_first says whether it begins a message. Returns
 * 1 with a frame, 2 when only control frames came (nothing more buffered: poll before calling again), 0
 * when the client closed the connection (or the socket ended), -1 on an error. The payload stays valid
 * until the next call. */
int ws_conn_next(struct ws_conn *c, struct ws_frame *ret_frame, bool *ret_first, husk_error *err);

/* Sends one frame whose payload is prefix (plen bytes, may be 0) followed by data. */
int ws_conn_send(struct ws_conn *c, uint8_t opcode, const void *prefix, size_t plen, const void *data,
                 size_t len, husk_error *err);

/* Sends a close frame with a status code (1000: normal closure). */
int ws_conn_close(struct ws_conn *c, uint16_t code, husk_error *err);

#endif
