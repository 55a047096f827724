/* The reading side of the CLI's HTTP/1.1 client (http_client.h): an incremental parser of one reply (status
 * line, headers, then a body framed by Content-Length, chunked transfer coding or the end of the
 * connection), fed whatever the socket gives. Apart from the socket so that it can be fuzzed. */
#ifndef HUSK_CLI_HTTP_REPLY_H
#define HUSK_CLI_HTTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_HTTP_LINE_MAX 8192

enum cli_http_state {
    CLI_HTTP_STATUS,
    CLI_HTTP_HEADERS,
    CLI_HTTP_BODY_LENGTH,
    CLI_HTTP_BODY_TO_EOF,
    CLI_HTTP_CHUNK_SIZE,
    CLI_HTTP_CHUNK_DATA,
    CLI_HTTP_CHUNK_END,
    CLI_HTTP_TRAILERS,
    CLI_HTTP_DONE,
    CLI_HTTP_ERROR,
};

struct cli_http_reply {
    /* Called with each piece of the body, once the status is known; non-zero stops the reply. */
    int (*on_body)(void *data, long code, const char *bytes, size_t len);
    void *data;

    enum cli_http_state state;
    long code;
    bool chunked, has_length;
    uint64_t remaining; /* of the body (Content-Length) or of the current chunk */
    char line[CLI_HTTP_LINE_MAX];
    size_t line_len;
    const char *error; /* what was wrong, when state is CLI_HTTP_ERROR */
    bool stopped;      /* on_body asked to stop */
};

void cli_http_reply_init(struct cli_http_reply *r, int (*on_body)(void *, long, const char *, size_t),
                         void *data);

/* Feeds bytes; returns how many were used (less than len once the reply is done, stopped or wrong). */
size_t cli_http_reply_feed(struct cli_http_reply *r, const char *bytes, size_t len);

/* The connection ended: a body read to the end of the connection is then complete. Returns whether the
 * whole reply was read. */
bool cli_http_reply_eof(struct cli_http_reply *r);

#endif
