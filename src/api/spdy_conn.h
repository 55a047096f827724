/* A server's SPDY/3.1 connection on an upgraded socket: plainly after `Upgrade: SPDY/3.1`, or tunneled in
 * WebSocket binary messages (kubectl port-forward's SPDY/3.1+portforward.k8s.io), where message bounds
 * mean nothing and the bytes are one stream. Frames are read into a buffer and handed to a handler;
 * PINGs are echoed here and a GOAWAY ends the connection. One thread reads; sends go out whole (under the
 * WebSocket's write lock when tunneled). Internal to src/api. */
#ifndef HUSK_API_SPDY_CONN_H
#define HUSK_API_SPDY_CONN_H

#include "api/spdy.h"
#include "api/websocket.h"

struct spdy_conn {
    int fd;
    bool websocket;
    struct ws_conn ws;
    struct spdy_zlib z;
    uint8_t *in; /* received bytes not yet parsed */
    size_t in_len;
};

/* Called for each frame other than PING and GOAWAY; a negative return ends the connection. */
typedef int (*spdy_frame_handler)(void *arg, const struct spdy_frame *frame);

/* extra: what the client sent past its request. */
int spdy_conn_init(struct spdy_conn *c, int fd, bool websocket, const uint8_t *extra, size_t extra_len,
                   husk_error *err);
void spdy_conn_destroy(struct spdy_conn *c);

/* Whether input is already buffered (then spdy_conn_read does not block). */
bool spdy_conn_pending(struct spdy_conn *c);

/* Reads once from the client (unless frames are buffered) and handles every complete frame. 1 to go on,
 * 0 when the client is gone or said GOAWAY, -1 on an error. */
int spdy_conn_read(struct spdy_conn *c, spdy_frame_handler handler, void *arg);

int spdy_conn_send_data(struct spdy_conn *c, uint32_t stream, uint8_t flags, const void *data, size_t len);
int spdy_conn_send_rst(struct spdy_conn *c, uint32_t stream, uint32_t status);
/* SYN_REPLY without headers: the stream is accepted. */
int spdy_conn_send_reply(struct spdy_conn *c, uint32_t stream);

/* Decodes a SYN_STREAM's headers with the connection's inflate context. */
int spdy_conn_headers(struct spdy_conn *c, const struct spdy_frame *f, struct spdy_headers *ret_headers);

#endif
