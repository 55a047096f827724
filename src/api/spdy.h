/* SPDY/3.1 framing, the server side kubectl port-forward needs (the protocol of moby/spdystream, which
 * client-go speaks, plainly after `Upgrade: SPDY/3.1` or tunneled in WebSocket binary messages): frames
 * (draft-mbelshe-httpbis-spdy-00 section 2.2), name/value header blocks (section 2.6.10) compressed with
 * zlib and the SPDY/3 dictionary, one compression context per direction for the whole connection. The
 * codec is pure and fuzzed; the port-forward session is in stream_portforward.c. Internal to src/api. */
#ifndef HUSK_API_SPDY_H
#define HUSK_API_SPDY_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

enum spdy_type {
    SPDY_SYN_STREAM = 1,
    SPDY_SYN_REPLY = 2,
    SPDY_RST_STREAM = 3,
    SPDY_SETTINGS = 4,
    SPDY_PING = 6,
    SPDY_GOAWAY = 7,
    SPDY_HEADERS = 8,
    SPDY_WINDOW_UPDATE = 9,
};

#define SPDY_FLAG_FIN 0x01
/* RST_STREAM status codes. */
#define SPDY_REFUSED_STREAM 3
#define SPDY_CANCEL         5

/* The largest frame accepted (the spdystream client writes at most 32 KiB of data per frame). */
#define SPDY_MAX_FRAME 262144
/* The largest decompressed header block and the most pairs kept from one. */
#define SPDY_MAX_HEADER_BLOCK 65536
#define SPDY_MAX_HEADERS      16

struct spdy_frame {
    bool control;
    uint16_t type; /* control frames: enum spdy_type */
    uint8_t flags;
    uint32_t stream_id;  /* data frames; SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE */
    uint32_t value;      /* RST_STREAM and GOAWAY status, PING id, WINDOW_UPDATE delta */
    const uint8_t *data; /* a data frame's payload, or the compressed header block of SYN_STREAM,
                            SYN_REPLY and HEADERS */
    size_t len;
};

/* Parses one complete frame at the start of buf. Returns the bytes it took (> 0), 0 when more bytes are
 * needed, or -1 with err set (a version other than 3, a frame too short for its type, over
 * SPDY_MAX_FRAME). Unknown control frame types parse, with only type, flags and data set. */
long spdy_frame_parse(const uint8_t *buf, size_t len, struct spdy_frame *ret_frame, husk_error *err);

/* The 8-byte header of a data frame, and of a control frame of the given type and payload length. */
void spdy_data_header(uint8_t out[8], uint32_t stream_id, uint8_t flags, size_t len);
void spdy_control_header(uint8_t out[8], uint16_t type, uint8_t flags, size_t len);

/* Decoded name/value pairs (names lower-case on the wire; values may hold NUL-separated lists). */
struct spdy_headers {
    size_t count;
    struct {
        char name[64];
        char value[256];
    } pairs[SPDY_MAX_HEADERS];
};

/* Parses a decompressed header block; pairs past SPDY_MAX_HEADERS or with longer names or values are
 * skipped. -1 with err when the block is malformed. */
int spdy_headers_parse(const uint8_t *block, size_t len, struct spdy_headers *ret_headers, husk_error *err);

/* The first value of a header, case-insensitively; NULL when absent. */
const char *spdy_headers_get(const struct spdy_headers *h, const char *name);

/* A connection's two compression contexts. */
struct spdy_zlib {
    z_stream inflate, deflate;
    bool inflate_ready, deflate_ready;
};

void spdy_zlib_free(struct spdy_zlib *z);

/* Decompresses a header block with the connection's inflate context and parses it. */
int spdy_headers_decode(struct spdy_zlib *z, const uint8_t *data, size_t len,
                        struct spdy_headers *ret_headers, husk_error *err);

/* Compresses the header block for count name/value pairs; *ret_block is malloc'ed. */
int spdy_headers_encode(struct spdy_zlib *z, const char *const *names, const char *const *values,
                        size_t count, uint8_t **ret_block, size_t *ret_len, husk_error *err);

#endif
