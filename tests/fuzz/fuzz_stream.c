/* libFuzzer target for the streaming codecs (kubectl exec/attach/cp/port-forward): any bytes as a run of
 * client WebSocket frames, as SPDY/3 frames, as a zlib-compressed SPDY header block and as a decompressed
 * one. All of it comes off the network from a client, so none of it may crash, hang or leak. */
#include "api/spdy.h"
#include "api/websocket.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_websocket(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size + 1);
    if (buf == NULL)
        return;
    memcpy(buf, data, size);
    size_t pos = 0;
    for (;;) {
        struct ws_frame f;
        husk_error err = {0};
        long used = ws_frame_parse(buf + pos, size - pos, &f, &err);
        if (used <= 0)
            break;
        if (f.payload < buf || f.payload + f.payload_len > buf + size)
            __builtin_trap();
        pos += (size_t)used;
    }
    free(buf);
}

static void fuzz_spdy(const uint8_t *data, size_t size)
{
    struct spdy_zlib z = {0};
    size_t pos = 0;
    for (;;) {
        struct spdy_frame f;
        husk_error err = {0};
        long used = spdy_frame_parse(data + pos, size - pos, &f, &err);
        if (used <= 0)
            break;
        if (f.control && (f.type == SPDY_SYN_STREAM || f.type == SPDY_HEADERS)) {
            struct spdy_headers h;
            spdy_headers_decode(&z, f.data, f.len, &h, &err);
        }
        pos += (size_t)used;
    }
    spdy_zlib_free(&z);
    struct spdy_zlib whole = {0};
    struct spdy_headers h;
    husk_error err = {0};
    spdy_headers_decode(&whole, data, size, &h, &err);
    spdy_zlib_free(&whole);
    spdy_headers_parse(data, size, &h, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_websocket(data, size);
    fuzz_spdy(data, size);
    return 0;
}
