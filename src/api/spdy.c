/* SPDY/3.1 frames and header blocks: see spdy.h. */
#include "api/spdy.h"

#include "api/spdy_dictionary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The fixed fields of a control frame's payload p (length n). */
static int parse_control(struct spdy_frame *f, const uint8_t *p, size_t n, husk_error *err)
{
    static const size_t minimum[] = {
        [SPDY_SYN_STREAM] = 10, [SPDY_SYN_REPLY] = 4, [SPDY_RST_STREAM] = 8,   [SPDY_PING] = 4,
        [SPDY_GOAWAY] = 4,      [SPDY_HEADERS] = 4,   [SPDY_WINDOW_UPDATE] = 8};
    size_t need = f->type < sizeof minimum / sizeof minimum[0] ? minimum[f->type] : 0;
    if (n < need)
        return husk_error_set(err, EPROTO, "spdy: a control frame of type %u is too short (%zu bytes)",
                              f->type, n);
    f->data = p;
    f->len = n;
    switch (f->type) {
    case SPDY_SYN_STREAM:
        f->stream_id = be32(p) & 0x7FFFFFFF;
        f->data = p + 10;
        f->len = n - 10;
        break;
    case SPDY_SYN_REPLY:
    case SPDY_HEADERS:
        f->stream_id = be32(p) & 0x7FFFFFFF;
        f->data = p + 4;
        f->len = n - 4;
        break;
    case SPDY_RST_STREAM:
    case SPDY_WINDOW_UPDATE:
        f->stream_id = be32(p) & 0x7FFFFFFF;
        f->value = be32(p + 4) & 0x7FFFFFFF;
        break;
    case SPDY_PING:
        f->value = be32(p);
        break;
    case SPDY_GOAWAY:
        f->stream_id = be32(p) & 0x7FFFFFFF;
        f->value = n >= 8 ? be32(p + 4) : 0;
        break;
    default:
        break;
    }
    return 0;
}

long spdy_frame_parse(const uint8_t *buf, size_t len, struct spdy_frame *ret_frame, husk_error *err)
{
    if (len < 8)
        return 0;
    size_t length = ((size_t)buf[5] << 16) | ((size_t)buf[6] << 8) | buf[7];
    if (length > SPDY_MAX_FRAME) {
        husk_error_set(err, EMSGSIZE, "spdy: a frame of %zu bytes is over the limit of %d", length,
                       SPDY_MAX_FRAME);
        return -1;
    }
    if (len < 8 + length)
        return 0;
    struct spdy_frame f = {.control = (buf[0] & 0x80) != 0, .flags = buf[4]};
    if (!f.control) {
        f.stream_id = be32(buf) & 0x7FFFFFFF;
        f.data = buf + 8;
        f.len = length;
    } else {
        unsigned version = ((unsigned)(buf[0] & 0x7F) << 8) | buf[1];
        if (version != 3) {
            husk_error_set(err, EPROTO, "spdy: version %u, not 3", version);
            return -1;
        }
        f.type = (uint16_t)((buf[2] << 8) | buf[3]);
        if (parse_control(&f, buf + 8, length, err) < 0)
            return -1;
    }
    *ret_frame = f;
    return (long)(8 + length);
}

void spdy_data_header(uint8_t out[8], uint32_t stream_id, uint8_t flags, size_t len)
{
    put32(out, stream_id & 0x7FFFFFFF);
    put32(out + 4, (uint32_t)len);
    out[4] = flags;
}

void spdy_control_header(uint8_t out[8], uint16_t type, uint8_t flags, size_t len)
{
    out[0] = 0x80;
    out[1] = 3;
    out[2] = (uint8_t)(type >> 8);
    out[3] = (uint8_t)type;
    put32(out + 4, (uint32_t)len);
    out[4] = flags;
}

/* Reads a length-prefixed string at *pos; NULL when it runs past the block. */
static const uint8_t *take(const uint8_t *block, size_t len, size_t *pos, size_t *ret_n)
{
    if (len - *pos < 4)
        return NULL;
    size_t n = be32(block + *pos);
    *pos += 4;
    if (n > len - *pos)
        return NULL;
    const uint8_t *s = block + *pos;
    *pos += n;
    *ret_n = n;
    return s;
}

int spdy_headers_parse(const uint8_t *block, size_t len, struct spdy_headers *ret_headers, husk_error *err)
{
    struct spdy_headers h = {0};
    if (len < 4)
        return husk_error_set(err, EPROTO, "spdy: a header block of %zu bytes", len);
    uint32_t count = be32(block);
    size_t pos = 4;
    for (uint32_t i = 0; i < count; i++) {
        size_t nlen = 0, vlen = 0;
        const uint8_t *name = take(block, len, &pos, &nlen);
        const uint8_t *value = name ? take(block, len, &pos, &vlen) : NULL;
        if (value == NULL)
            return husk_error_set(err, EPROTO, "spdy: header %u runs past the end of its block", i);
        if (h.count == SPDY_MAX_HEADERS || nlen >= sizeof h.pairs[0].name || vlen >= sizeof h.pairs[0].value)
            continue;
        memcpy(h.pairs[h.count].name, name, nlen);
        memcpy(h.pairs[h.count].value, value, vlen);
        h.count++;
    }
    *ret_headers = h;
    return 0;
}

const char *spdy_headers_get(const struct spdy_headers *h, const char *name)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcasecmp(h->pairs[i].name, name) == 0)
            return h->pairs[i].value;
    return NULL;
}

void spdy_zlib_free(struct spdy_zlib *z)
{
    if (z->inflate_ready)
        inflateEnd(&z->inflate);
    if (z->deflate_ready)
        deflateEnd(&z->deflate);
    z->inflate_ready = z->deflate_ready = false;
}

static int inflate_block(struct spdy_zlib *z, const uint8_t *data, size_t len, uint8_t *out, size_t *ret_len,
                         husk_error *err)
{
    z->inflate.next_in = (Bytef *)data;
    z->inflate.avail_in = (uInt)len;
    z->inflate.next_out = out;
    z->inflate.avail_out = SPDY_MAX_HEADER_BLOCK;
    for (;;) {
        int r = inflate(&z->inflate, Z_SYNC_FLUSH);
        if (r == Z_NEED_DICT) {
            if (inflateSetDictionary(&z->inflate, spdy_dictionary, SPDY_DICTIONARY_SIZE) != Z_OK)
                return husk_error_set(err, EPROTO, "spdy: the header block uses another dictionary");
            continue;
        }
        if (r == Z_BUF_ERROR && z->inflate.avail_in == 0)
            break;
        if (r != Z_OK && r != Z_STREAM_END)
            return husk_error_set(err, EPROTO, "spdy: corrupt header block (zlib %d)", r);
        if (z->inflate.avail_out == 0)
            return husk_error_set(err, EMSGSIZE, "spdy: a header block over %d bytes", SPDY_MAX_HEADER_BLOCK);
        if (z->inflate.avail_in == 0 || r == Z_STREAM_END)
            break;
    }
    *ret_len = SPDY_MAX_HEADER_BLOCK - z->inflate.avail_out;
    return 0;
}

int spdy_headers_decode(struct spdy_zlib *z, const uint8_t *data, size_t len,
                        struct spdy_headers *ret_headers, husk_error *err)
{
    if (!z->inflate_ready) {
        memset(&z->inflate, 0, sizeof z->inflate);
        if (inflateInit(&z->inflate) != Z_OK)
            return husk_error_set(err, ENOMEM, "spdy: zlib inflateInit failed");
        z->inflate_ready = true;
    }
    uint8_t *out = malloc(SPDY_MAX_HEADER_BLOCK);
    if (out == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    size_t n = 0;
    int r = inflate_block(z, data, len, out, &n, err);
    if (r == 0)
        r = spdy_headers_parse(out, n, ret_headers, err);
    free(out);
    return r;
}

/* The uncompressed block: count, then each name and value with its 32-bit length. */
static uint8_t *raw_block(const char *const *names, const char *const *values, size_t count, size_t *ret_len)
{
    size_t len = 4;
    for (size_t i = 0; i < count; i++)
        len += 8 + strlen(names[i]) + strlen(values[i]);
    uint8_t *raw = malloc(len), *p = raw;
    if (raw == NULL)
        return NULL;
    put32(p, (uint32_t)count);
    p += 4;
    for (size_t i = 0; i < count; i++) {
        const char *s[2] = {names[i], values[i]};
        for (int k = 0; k < 2; k++) {
            size_t n = strlen(s[k]);
            put32(p, (uint32_t)n);
            memcpy(p + 4, s[k], n);
            p += 4 + n;
        }
    }
    *ret_len = len;
    return raw;
}

int spdy_headers_encode(struct spdy_zlib *z, const char *const *names, const char *const *values,
                        size_t count, uint8_t **ret_block, size_t *ret_len, husk_error *err)
{
    if (!z->deflate_ready) {
        memset(&z->deflate, 0, sizeof z->deflate);
        if (deflateInit(&z->deflate, Z_DEFAULT_COMPRESSION) != Z_OK)
            return husk_error_set(err, ENOMEM, "spdy: zlib deflateInit failed");
        z->deflate_ready = true;
        if (deflateSetDictionary(&z->deflate, spdy_dictionary, SPDY_DICTIONARY_SIZE) != Z_OK)
            return husk_error_set(err, EINVAL, "spdy: zlib refused the dictionary");
    }
    size_t raw_len = 0;
    uint8_t *raw = raw_block(names, values, count, &raw_len);
    size_t cap = raw_len + raw_len / 2 + 256;
    uint8_t *out = raw ? malloc(cap) : NULL;
    if (out == NULL) {
        free(raw);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    z->deflate.next_in = raw;
    z->deflate.avail_in = (uInt)raw_len;
    z->deflate.next_out = out;
    z->deflate.avail_out = (uInt)cap;
    int r = deflate(&z->deflate, Z_SYNC_FLUSH);
    free(raw);
    if (r != Z_OK || z->deflate.avail_in != 0 || z->deflate.avail_out == 0) {
        free(out);
        return husk_error_set(err, EIO, "spdy: compressing a header block failed");
    }
    *ret_len = cap - z->deflate.avail_out;
    *ret_block = out;
    return 0;
}
