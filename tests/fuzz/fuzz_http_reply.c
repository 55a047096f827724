/* libFuzzer target for the CLI's HTTP reply parser (src/cli/http_reply.c): any bytes as what the daemon's
 * socket gives, fed in pieces whose size the first byte picks, then the end of the connection. The body
 * handed on can never be more than what came in, and nothing may crash, hang or leak. */
#include "cli/http_reply.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_body(void *arg, long code, const char *bytes, size_t len)
{
    size_t *total = arg;
    if (code < 100 || code > 599 || bytes == NULL)
        __builtin_trap();
    *total += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = (size_t)data[0] % 17 + 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1, total = 0, i = 0;
    struct cli_http_reply *r = malloc(sizeof *r);
    if (r == NULL)
        return 0;
    cli_http_reply_init(r, count_body, &total);
    while (i < len) {
        size_t n = len - i < step ? len - i : step;
        size_t used = cli_http_reply_feed(r, text + i, n);
        if (used > n)
            __builtin_trap();
        i += used;
        if (used < n)
            break;
    }
    cli_http_reply_eof(r);
    if (total > len || (r->state == CLI_HTTP_ERROR && r->error == NULL))
        __builtin_trap();
    free(r);
    return 0;
}
