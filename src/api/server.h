/* The API server: the Kubernetes REST API over the store, served on a unix socket (DATA_DIR/husk.sock,
 * mode 0600, for the husk CLI, no token) and over TLS on the --listen address (bearer token, for kubectl).
 * libmicrohttpd runs one thread per connection so that a watch can wait for changes without holding up
 * other clients; connections are capped. */
#ifndef HUSK_API_SERVER_H
#define HUSK_API_SERVER_H

#include "api/store.h"
#include "base/error.h"

#include <stdbool.h>
#include <stdint.h>

#define API_MAX_BODY_BYTES   (3 * 1024 * 1024) /* the Kubernetes API server's request limit */
#define API_MAX_CONNECTIONS  256
#define API_MAX_HEADER_BYTES (64 * 1024)
/* Request bodies buffered at once over all connections: beyond it a request gets 429, as from the Kubernetes
 * API server's max-in-flight filter, so that 256 connections of 3 MiB each cannot take 768 MiB. */
#define API_MAX_BUFFERED_BYTES (64 * 1024 * 1024)
/* The kube-apiserver's timeouts: a connection's first request must have its headers in within 32 s
 * (ReadHeaderTimeout; header_deadline.c), so that a slow client (slowloris) holds a thread and a connection
 * slot at most that long; an idle kept-alive connection is closed after 90 s (IdleTimeout). Watches and
 * `logs -f` write at least every 15 s, so they are never idle that long. */
#define API_HEADER_TIMEOUT_SECONDS 32u
#define API_IDLE_TIMEOUT_SECONDS   90u

struct api_server_config {
    const char *socket_path; /* unix socket to serve on; NULL for none */
    const char *listen_host; /* TLS address ("127.0.0.1"); NULL for no TLS listener */
    uint16_t listen_port;
    const char *tls_cert_pem; /* serving certificate and key, PEM */
    const char *tls_key_pem;
    const char *token; /* the bearer token TLS clients must present */
    const char *node_name;
    const char *data_dir; /* for pods' logs; NULL: the log subresource answers NotFound */
};

typedef struct api_server api_server;

int api_server_start(const struct api_server_config *config, store *s, api_server **ret_server,
                     husk_error *err);

/* Wakes watchers after a write made outside a request (the node heartbeat; an in-process node agent). */
void api_server_changed(api_server *server);

/* Waits up to timeout_ms for a write (or for the server to stop); returns false once stopping. Watchers
 * then read store_changes() after the last version they saw: a missed wake-up only delays them. */
bool api_server_wait_change(api_server *server, int timeout_ms);

/* The same without the missed wake-up: read api_server_change_count() before reading the store, then wait
 * with it; a write in between (which a plain wait would sleep through) returns at once. */
uint64_t api_server_change_count(api_server *server);
bool api_server_wait_change_since(api_server *server, uint64_t seen, int timeout_ms);

/* Ends every watch and stops serving; waits for the connection threads. Accepts NULL. */
void api_server_stop(api_server *server);

/* Parses "ADDR:PORT" ("127.0.0.1:6443", "[::1]:6443"). */
int api_parse_listen(const char *text, char *ret_host, size_t host_size, uint16_t *ret_port, husk_error *err);

#endif
