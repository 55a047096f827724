/* See http_reply.h. RFC 9112: status line, header fields, message body length (section 6.3). */
#include "cli/http_reply.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void cli_http_reply_init(struct cli_http_reply *r, int (*on_body)(void *, long, const char *, size_t),
                         void *data)
{
    memset(r, 0, sizeof *r);
    r->on_body = on_body;
    r->data = data;
    r->state = CLI_HTTP_STATUS;
}

static void fail(struct cli_http_reply *r, const char *why)
{
    r->state = CLI_HTTP_ERROR;
    r->error = why;
}

static void deliver(struct cli_http_reply *r, const char *bytes, size_t len)
{
    if (len > 0 && r->on_body != NULL && r->on_body(r->data, r->code, bytes, len) != 0)
        r->stopped = true;
}

static void status_line(struct cli_http_reply *r, const char *line)
{
    /* "HTTP/1.1 200 OK" */
    if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' || line[8] != ' ' ||
        line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
        line[11] > '9' || (line[12] != ' ' && line[12] != '\0')) {
        fail(r, "not an HTTP/1.1 status line");
        return;
    }
    r->code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    r->chunked = r->has_length = false;
    r->state = CLI_HTTP_HEADERS;
}

static void header_line(struct cli_http_reply *r, char *line)
{
    char *colon = strchr(line, ':');
    if (colon == NULL || colon == line) {
        fail(r, "a header field without a name");
        return;
    }
    *colon = '\0';
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strcasecmp(line, "Transfer-Encoding") == 0) {
        r->chunked = strcasestr(value, "chunked") != NULL;
    } else if (strcasecmp(line, "Content-Length") == 0) {
        uint64_t n = 0;
        const char *p = value;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (n > (UINT64_MAX - 9) / 10) {
                fail(r, "a Content-Length too large");
                return;
            }
            n = n * 10 + (uint64_t)(*p - '0');
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (p == value || *p != '\0' || (r->has_length && r->remaining != n)) {
            fail(r, "a wrong Content-Length");
            return;
        }
        r->has_length = true;
        r->remaining = n;
    }
}

static void end_of_headers(struct cli_http_reply *r)
{
    if (r->code < 200) { /* an interim reply (100 Continue): the real one follows */
        r->state = CLI_HTTP_STATUS;
    } else if (r->code == 204 || r->code == 304) {
        r->state = CLI_HTTP_DONE;
    } else if (r->chunked) {
        r->state = CLI_HTTP_CHUNK_SIZE;
    } else if (r->has_length) {
        r->state = r->remaining > 0 ? CLI_HTTP_BODY_LENGTH : CLI_HTTP_DONE;
    } else {
        r->state = CLI_HTTP_BODY_TO_EOF;
    }
}

static void chunk_size_line(struct cli_http_reply *r, const char *line)
{
    uint64_t n = 0;
    const char *p = line;
    for (; *p != '\0'; p++) {
        int digit = *p >= '0' && *p <= '9'   ? *p - '0'
                    : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                    : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                             : -1;
        if (digit < 0)
            break;
        if (p - line >= 15) {
            fail(r, "a chunk too large");
            return;
        }
        n = n * 16 + (uint64_t)digit;
    }
    if (p == line || (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t')) {
        fail(r, "a wrong chunk size");
        return;
    }
    r->remaining = n;
    r->state = n == 0 ? CLI_HTTP_TRAILERS : CLI_HTTP_CHUNK_DATA;
}

static void handle_line(struct cli_http_reply *r, char *line, size_t len)
{
    switch (r->state) {
    case CLI_HTTP_STATUS:
        status_line(r, line);
        break;
    case CLI_HTTP_HEADERS:
        if (len == 0)
            end_of_headers(r);
        else
            header_line(r, line);
        break;
    case CLI_HTTP_CHUNK_SIZE:
        chunk_size_line(r, line);
        break;
    case CLI_HTTP_CHUNK_END:
        if (len != 0)
            fail(r, "a chunk longer than its size");
        else
            r->state = CLI_HTTP_CHUNK_SIZE;
        break;
    case CLI_HTTP_TRAILERS:
        if (len == 0)
            r->state = CLI_HTTP_DONE;
        break;
    default:
        break;
    }
}

size_t cli_http_reply_feed(struct cli_http_reply *r, const char *bytes, size_t len)
{
    size_t i = 0;
    while (i < len && r->state != CLI_HTTP_DONE && r->state != CLI_HTTP_ERROR && !r->stopped) {
        size_t n = len - i;
        switch (r->state) {
        case CLI_HTTP_BODY_LENGTH:
        case CLI_HTTP_CHUNK_DATA:
            if (n > r->remaining)
                n = (size_t)r->remaining;
            deliver(r, bytes + i, n);
            i += n;
            r->remaining -= n;
            if (r->remaining == 0)
                r->state = r->state == CLI_HTTP_CHUNK_DATA ? CLI_HTTP_CHUNK_END : CLI_HTTP_DONE;
            break;
        case CLI_HTTP_BODY_TO_EOF:
            deliver(r, bytes + i, n);
            i += n;
            break;
        default: {
            char c = bytes[i++];
            if (c != '\n') {
                if (r->line_len + 1 >= sizeof r->line)
                    fail(r, "a header line too long");
                else
                    r->line[r->line_len++] = c;
                break;
            }
            size_t line_len = r->line_len;
            if (line_len > 0 && r->line[line_len - 1] == '\r')
                line_len--;
            r->line[line_len] = '\0';
            r->line_len = 0;
            if (memchr(r->line, '\0', line_len) != NULL)
                fail(r, "a NUL byte in the header");
            else
                handle_line(r, r->line, line_len);
            break;
        }
        }
    }
    return i;
}

bool cli_http_reply_eof(struct cli_http_reply *r)
{
    if (r->state == CLI_HTTP_BODY_TO_EOF)
        r->state = CLI_HTTP_DONE;
    return r->state == CLI_HTTP_DONE || r->stopped;
}
