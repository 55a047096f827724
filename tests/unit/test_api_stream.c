/* Unit tests for the streaming codecs (src/api/websocket.c, src/api/spdy.c): WebSocket frames and the
 * handshake key as RFC 6455 gives them, SPDY/3 frames and zlib-compressed header blocks as kubectl's
 * spdystream writes them. */
#include "api/spdy.h"
#include "api/spdy_conn.h"
#include "api/websocket.h"
#include "harness.h"

#include <sys/socket.h>
#include <zlib.h>

/* A masked client frame: header, mask, payload XORed with it. */
static size_t client_frame(uint8_t *out, uint8_t first_byte, const char *payload, size_t len)
{
    static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t pos = 0;
    out[pos++] = first_byte;
    if (len < 126) {
        out[pos++] = (uint8_t)(0x80 | len);
    } else {
        out[pos++] = 0x80 | 126;
        out[pos++] = (uint8_t)(len >> 8);
        out[pos++] = (uint8_t)len;
    }
    memcpy(out + pos, mask, 4);
    pos += 4;
    for (size_t i = 0; i < len; i++)
        out[pos + i] = (uint8_t)payload[i] ^ mask[i % 4];
    return pos + len;
}

TEST(websocket_accept_key_is_the_rfc_example)
{
    char accept[32];
    husk_error err = {0};
    CHECK_INT_EQ(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", accept, sizeof accept, &err), 0);
    CHECK_STR_EQ(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(ws_accept_key(NULL, accept, sizeof accept, &err) < 0);
}

TEST(websocket_protocol_choice)
{
    CHECK(ws_protocol_offered("v5.channel.k8s.io, v4.channel.k8s.io", "v4.channel.k8s.io"));
    CHECK(ws_protocol_offered("v5.channel.k8s.io", "v5.channel.k8s.io"));
    CHECK(!ws_protocol_offered("v5.channel.k8s.io", "v4.channel.k8s.io"));
    CHECK(!ws_protocol_offered("xv4.channel.k8s.io", "v4.channel.k8s.io"));
    CHECK(!ws_protocol_offered(NULL, "v4.channel.k8s.io"));
}

TEST(websocket_frame_parse_unmasks_and_needs_whole_frames)
{
    uint8_t buf[512];
    size_t n = client_frame(buf, 0x82, "\x00hello", 6);
    struct ws_frame f;
    husk_error err = {0};
    for (size_t cut = 0; cut < n; cut++)
        CHECK_INT_EQ(ws_frame_parse(buf, cut, &f, &err), 0);
    CHECK_INT_EQ(ws_frame_parse(buf, n, &f, &err), (long)n);
    CHECK(f.fin);
    CHECK_INT_EQ(f.opcode, WS_BINARY);
    CHECK_INT_EQ(f.payload_len, 6);
    CHECK(memcmp(f.payload, "\x00hello", 6) == 0);

    char big[300];
    memset(big, 'x', sizeof big);
    n = client_frame(buf, 0x02, big, sizeof big); /* not final: a fragment, 16-bit length */
    CHECK_INT_EQ(ws_frame_parse(buf, n, &f, &err), (long)n);
    CHECK(!f.fin);
    CHECK_INT_EQ(f.payload_len, 300);
}

TEST(websocket_frame_parse_refuses_protocol_errors)
{
    uint8_t buf[512];
    struct ws_frame f;
    husk_error err = {0};
    uint8_t unmasked[] = {0x82, 0x01, 'x'};
    CHECK(ws_frame_parse(unmasked, sizeof unmasked, &f, &err) < 0);
    CHECK(strstr(err.message, "not masked") != NULL);
    size_t n = client_frame(buf, 0x92, "x", 1); /* RSV1 */
    CHECK(ws_frame_parse(buf, n, &f, &err) < 0);
    n = client_frame(buf, 0x09, "x", 1); /* a fragmented ping */
    CHECK(ws_frame_parse(buf, n, &f, &err) < 0);
    n = client_frame(buf, 0x83, "x", 1); /* opcode 3 is reserved */
    CHECK(ws_frame_parse(buf, n, &f, &err) < 0);
    uint8_t huge[] = {0x82, 0xFF, 0, 0, 0, 0, 0x10, 0, 0, 0}; /* 256 MiB */
    CHECK(ws_frame_parse(huge, sizeof huge, &f, &err) < 0);
    CHECK(strstr(err.message, "over the limit") != NULL);
}

TEST(websocket_header_encode_lengths)
{
    uint8_t h[10];
    CHECK_INT_EQ(ws_frame_header_encode(h, true, WS_BINARY, 5), 2);
    CHECK_INT_EQ(h[0], 0x82);
    CHECK_INT_EQ(h[1], 5);
    CHECK_INT_EQ(ws_frame_header_encode(h, true, WS_BINARY, 300), 4);
    CHECK_INT_EQ(h[1], 126);
    CHECK_INT_EQ((h[2] << 8) | h[3], 300);
    CHECK_INT_EQ(ws_frame_header_encode(h, false, WS_TEXT, 70000), 10);
    CHECK_INT_EQ(h[0], 0x01);
    CHECK_INT_EQ(h[1], 127);
    CHECK_INT_EQ((h[7] << 16) | (h[8] << 8) | h[9], 70000);
}

TEST(websocket_conn_answers_pings_and_reports_messages)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    uint8_t buf[256];
    size_t n = client_frame(buf, 0x89, "hb", 2); /* ping */
    n += client_frame(buf + n, 0x02,
                      "\x01"
                      "ab",
                      3);                            /* first fragment, channel 1 */
    n += client_frame(buf + n, 0x80, "cd", 2);       /* its final continuation */
    n += client_frame(buf + n, 0x88, "\x03\xe8", 2); /* close 1000 */
    CHECK(write(sv[1], buf, n) == (ssize_t)n);
    struct ws_conn c;
    husk_error err = {0};
    CHECK_INT_EQ(ws_conn_init(&c, sv[0], NULL, 0, &err), 0);
    struct ws_frame f;
    bool first = false;
    CHECK_INT_EQ(ws_conn_next(&c, &f, &first, &err), 1);
    CHECK(first);
    CHECK_INT_EQ(f.payload_len, 3);
    CHECK(ws_conn_has_frame(&c));
    CHECK_INT_EQ(ws_conn_next(&c, &f, &first, &err), 1);
    CHECK(!first);
    CHECK(memcmp(f.payload, "cd", 2) == 0);
    CHECK_INT_EQ(ws_conn_next(&c, &f, &first, &err), 0);
    /* What the server wrote back: the pong with the ping's payload, then the close. */
    uint8_t reply[64];
    ssize_t got = read(sv[1], reply, sizeof reply);
    CHECK(got == 8);
    CHECK_INT_EQ(reply[0], 0x8A);
    CHECK_INT_EQ(reply[1], 2);
    CHECK(memcmp(reply + 2, "hb", 2) == 0);
    CHECK_INT_EQ(reply[4], 0x88);
    ws_conn_destroy(&c);
    close(sv[0]);
    close(sv[1]);
}

/* A ping alone is answered without waiting for data: an exec whose client only keeps alive must not hang
 * its connection's thread in a read. */
TEST(websocket_conn_returns_after_a_lone_ping)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    uint8_t buf[64];
    size_t n = client_frame(buf, 0x89, "", 0);
    CHECK(write(sv[1], buf, n) == (ssize_t)n);
    struct ws_conn c;
    husk_error err = {0};
    CHECK_INT_EQ(ws_conn_init(&c, sv[0], NULL, 0, &err), 0);
    struct ws_frame f;
    bool first = false;
    CHECK_INT_EQ(ws_conn_next(&c, &f, &first, &err), 2);
    CHECK(!ws_conn_has_frame(&c));
    uint8_t reply[8];
    CHECK(read(sv[1], reply, sizeof reply) == 2);
    CHECK_INT_EQ(reply[0], 0x8A);
    ws_conn_destroy(&c);
    close(sv[0]);
    close(sv[1]);
}

TEST(spdy_frame_parse_control_and_data)
{
    uint8_t syn[18 + 3] = {0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 13,  0,   0,  0,
                           5,    0,    0,    0,    0,    0,    0,    'a', 'b', 'c'};
    struct spdy_frame f;
    husk_error err = {0};
    CHECK_INT_EQ(spdy_frame_parse(syn, 7, &f, &err), 0);
    CHECK_INT_EQ(spdy_frame_parse(syn, 20, &f, &err), 0);
    CHECK_INT_EQ(spdy_frame_parse(syn, sizeof syn, &f, &err), 21);
    CHECK(f.control);
    CHECK_INT_EQ(f.type, SPDY_SYN_STREAM);
    CHECK_INT_EQ(f.stream_id, 5);
    CHECK_INT_EQ(f.len, 3);
    CHECK(memcmp(f.data, "abc", 3) == 0);

    uint8_t data[11];
    spdy_data_header(data, 7, SPDY_FLAG_FIN, 3);
    memcpy(data + 8, "xyz", 3);
    CHECK_INT_EQ(spdy_frame_parse(data, sizeof data, &f, &err), 11);
    CHECK(!f.control);
    CHECK_INT_EQ(f.stream_id, 7);
    CHECK_INT_EQ(f.flags, SPDY_FLAG_FIN);
    CHECK_INT_EQ(f.len, 3);

    uint8_t ping[12];
    spdy_control_header(ping, SPDY_PING, 0, 4);
    memcpy(ping + 8, "\x00\x00\x00\x09", 4);
    CHECK_INT_EQ(spdy_frame_parse(ping, sizeof ping, &f, &err), 12);
    CHECK_INT_EQ(f.value, 9);
}

TEST(spdy_frame_parse_refuses_bad_frames)
{
    struct spdy_frame f;
    husk_error err = {0};
    uint8_t v2[8] = {0x80, 0x02, 0x00, 0x06, 0, 0, 0, 0};
    CHECK(spdy_frame_parse(v2, sizeof v2, &f, &err) < 0);
    CHECK(strstr(err.message, "version 2") != NULL);
    uint8_t short_rst[12] = {0x80, 0x03, 0x00, 0x03, 0, 0, 0, 4, 0, 0, 0, 1};
    CHECK(spdy_frame_parse(short_rst, sizeof short_rst, &f, &err) < 0);
    uint8_t huge[8] = {0x00, 0x00, 0x00, 0x01, 0, 0xFF, 0xFF, 0xFF};
    CHECK(spdy_frame_parse(huge, sizeof huge, &f, &err) < 0);
}

/* kubectl's port-forward headers survive encode (with the SPDY/3 dictionary) and decode, over two blocks
 * sharing each direction's zlib stream as a connection does. */
TEST(spdy_headers_round_trip)
{
    struct spdy_zlib out = {0}, in = {0};
    husk_error err = {0};
    const char *names[] = {"streamtype", "port", "requestid"};
    const char *values[2][3] = {{"error", "80", "0"}, {"data", "80", "0"}};
    for (int round = 0; round < 2; round++) {
        uint8_t *block = NULL;
        size_t len = 0;
        CHECK_INT_EQ(spdy_headers_encode(&out, names, values[round], 3, &block, &len, &err), 0);
        struct spdy_headers h;
        CHECK_INT_EQ(spdy_headers_decode(&in, block, len, &h, &err), 0);
        free(block);
        CHECK_INT_EQ(h.count, 3);
        CHECK_STR_EQ(spdy_headers_get(&h, "streamType"), values[round][0]);
        CHECK_STR_EQ(spdy_headers_get(&h, "port"), "80");
        CHECK_STR_EQ(spdy_headers_get(&h, "requestID"), "0");
        CHECK(spdy_headers_get(&h, "absent") == NULL);
    }
    spdy_zlib_free(&out);
    spdy_zlib_free(&in);
}

TEST(spdy_headers_decode_refuses_another_dictionary)
{
    /* A zlib stream preset with a different dictionary names another Adler-32. */
    z_stream z = {0};
    CHECK(deflateInit(&z, Z_DEFAULT_COMPRESSION) == Z_OK);
    CHECK(deflateSetDictionary(&z, (const Bytef *)"not the spdy dictionary", 23) == Z_OK);
    uint8_t raw[4] = {0, 0, 0, 0}, out[64];
    z.next_in = raw;
    z.avail_in = sizeof raw;
    z.next_out = out;
    z.avail_out = sizeof out;
    CHECK(deflate(&z, Z_SYNC_FLUSH) == Z_OK);
    size_t len = sizeof out - z.avail_out;
    deflateEnd(&z);
    struct spdy_zlib in = {0};
    struct spdy_headers h;
    husk_error err = {0};
    CHECK(spdy_headers_decode(&in, out, len, &h, &err) < 0);
    CHECK(strstr(err.message, "dictionary") != NULL);
    spdy_zlib_free(&in);
}

TEST(spdy_headers_parse_bounds)
{
    struct spdy_headers h;
    husk_error err = {0};
    uint8_t overrun[] = {0, 0, 0, 1, 0, 0, 0, 9, 'a'};
    CHECK(spdy_headers_parse(overrun, sizeof overrun, &h, &err) < 0);
    uint8_t one[] = {0, 0, 0, 1, 0, 0, 0, 4, 'p', 'o', 'r', 't', 0, 0, 0, 2, '8', '0'};
    CHECK_INT_EQ(spdy_headers_parse(one, sizeof one, &h, &err), 0);
    CHECK_STR_EQ(spdy_headers_get(&h, "port"), "80");
}

/* A client's SYN_STREAM for a port-forward stream, its header block from the client's own zlib stream. */
static size_t client_syn_stream(uint8_t *out, struct spdy_zlib *z, uint32_t id, const char *type)
{
    const char *names[] = {"streamtype", "port", "requestid"}, *values[] = {type, "80", "0"};
    uint8_t *block = NULL;
    size_t len = 0;
    husk_error err = {0};
    CHECK_INT_EQ(spdy_headers_encode(z, names, values, 3, &block, &len, &err), 0);
    spdy_control_header(out, SPDY_SYN_STREAM, 0, 10 + len);
    memset(out + 8, 0, 10);
    out[11] = (uint8_t)id;
    memcpy(out + 18, block, len);
    free(block);
    return 18 + len;
}

struct seen {
    int syn, data;
    char type[16];
    struct spdy_conn *conn;
};

static int on_frame(void *arg, const struct spdy_frame *f)
{
    struct seen *seen = arg;
    if (f->control && f->type == SPDY_SYN_STREAM) {
        struct spdy_headers h;
        CHECK_INT_EQ(spdy_conn_headers(seen->conn, f, &h), 0);
        snprintf(seen->type, sizeof seen->type, "%s", spdy_headers_get(&h, "streamType"));
        seen->syn++;
        return spdy_conn_send_reply(seen->conn, f->stream_id);
    }
    if (!f->control)
        seen->data += (int)f->len;
    return 0;
}

/* The server side of a connection: a SYN_STREAM is decoded and answered, a PING echoed, data handed on. */
TEST(spdy_conn_answers_streams_and_pings)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    struct spdy_zlib client = {0};
    uint8_t buf[512];
    size_t n = client_syn_stream(buf, &client, 1, "error");
    spdy_control_header(buf + n, SPDY_PING, 0, 4);
    memcpy(buf + n + 8, "\0\0\0\x07", 4);
    n += 12;
    spdy_data_header(buf + n, 1, SPDY_FLAG_FIN, 3);
    memcpy(buf + n + 8, "abc", 3);
    n += 11;
    CHECK(write(sv[1], buf, n) == (ssize_t)n);
    struct spdy_conn conn;
    husk_error err = {0};
    CHECK_INT_EQ(spdy_conn_init(&conn, sv[0], false, NULL, 0, &err), 0);
    struct seen seen = {.conn = &conn};
    CHECK_INT_EQ(spdy_conn_read(&conn, on_frame, &seen), 1);
    CHECK_INT_EQ(seen.syn, 1);
    CHECK_STR_EQ(seen.type, "error");
    CHECK_INT_EQ(seen.data, 3);
    CHECK(!spdy_conn_pending(&conn));

    uint8_t reply[512];
    ssize_t got = read(sv[1], reply, sizeof reply);
    CHECK(got > 12 + 12);
    struct spdy_frame f;
    long used = spdy_frame_parse(reply, (size_t)got, &f, &err);
    CHECK(used > 0);
    CHECK_INT_EQ(f.type, SPDY_SYN_REPLY);
    CHECK_INT_EQ(f.stream_id, 1);
    struct spdy_zlib decoder = {0};
    struct spdy_headers h;
    CHECK_INT_EQ(spdy_headers_decode(&decoder, f.data, f.len, &h, &err), 0);
    CHECK_INT_EQ(h.count, 0);
    CHECK_INT_EQ(spdy_frame_parse(reply + used, (size_t)got - (size_t)used, &f, &err), 12);
    CHECK_INT_EQ(f.type, SPDY_PING);
    CHECK_INT_EQ(f.value, 7);

    uint8_t goaway[16];
    spdy_control_header(goaway, SPDY_GOAWAY, 0, 8);
    memset(goaway + 8, 0, 8);
    CHECK(write(sv[1], goaway, sizeof goaway) == (ssize_t)sizeof goaway);
    CHECK_INT_EQ(spdy_conn_read(&conn, on_frame, &seen), 0);
    spdy_conn_destroy(&conn);
    spdy_zlib_free(&client);
    spdy_zlib_free(&decoder);
    close(sv[0]);
    close(sv[1]);
}

/* Tunneled in WebSocket messages (kubectl port-forward's default), frames may split across messages. */
TEST(spdy_conn_over_websocket_reassembles_frames)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    struct spdy_zlib client = {0};
    uint8_t spdy[512], buf[1024];
    size_t n = client_syn_stream(spdy, &client, 3, "data");
    size_t half = n / 2;
    size_t w = client_frame(buf, 0x82, (const char *)spdy, half);
    w += client_frame(buf + w, 0x82, (const char *)spdy + half, n - half);
    CHECK(write(sv[1], buf, w) == (ssize_t)w);
    struct spdy_conn conn;
    husk_error err = {0};
    CHECK_INT_EQ(spdy_conn_init(&conn, sv[0], true, NULL, 0, &err), 0);
    struct seen seen = {.conn = &conn};
    CHECK_INT_EQ(spdy_conn_read(&conn, on_frame, &seen), 1);
    CHECK_INT_EQ(seen.syn, 0); /* half a frame so far */
    CHECK(spdy_conn_pending(&conn));
    CHECK_INT_EQ(spdy_conn_read(&conn, on_frame, &seen), 1);
    CHECK_INT_EQ(seen.syn, 1);
    CHECK_STR_EQ(seen.type, "data");
    /* The reply goes out as one binary message, unmasked. */
    uint8_t reply[256];
    ssize_t got = read(sv[1], reply, sizeof reply);
    CHECK(got > 2);
    CHECK_INT_EQ(reply[0], 0x82);
    CHECK_INT_EQ(reply[2], 0x80);
    CHECK_INT_EQ(reply[5], SPDY_SYN_REPLY);
    spdy_conn_destroy(&conn);
    spdy_zlib_free(&client);
    close(sv[0]);
    close(sv[1]);
}
