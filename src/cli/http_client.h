/* The CLI's HTTP/1.1 client: one request to the daemon on its unix socket (DATA_DIR/husk.sock), one
 * connection per request. The CLI talks to nothing else (kubectl is the client for remote clusters), so this
 * small client stands in for libcurl, whose loading, with the thirty libraries it brings, was most of the
 * time of a `husk` command (see bench/). */
#ifndef HUSK_CLI_HTTP_CLIENT_H
#define HUSK_CLI_HTTP_CLIENT_H

#include "base/error.h"

#include <stddef.h>

/* Sends METHOD path (with body, when not NULL, of content_type) and hands the reply's body to on_body as it
 * arrives (a non-zero return ends the exchange early, without error). timeout_ms bounds the whole exchange,
 * -1 for none (watches, followed logs). *ret_code gets the status code. */
int cli_http_exchange(const char *sock, const char *method, const char *path, const char *content_type,
                      const char *body, int timeout_ms,
                      int (*on_body)(void *data, long code, const char *bytes, size_t len), void *data,
                      long *ret_code, husk_error *err);

/* s with every byte but the unreserved ones (RFC 3986: letters, digits, -._~) as %XX, for a query value; a
 * new string, NULL when out of memory. */
char *cli_url_escape(const char *s);

#endif
