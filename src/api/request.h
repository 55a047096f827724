/* What the API layer's handlers share: the server's state, one request, and the reply being built. Internal
 * to src/api. */
#ifndef HUSK_API_REQUEST_H
#define HUSK_API_REQUEST_H

#include "api/server.h"
#include "api/store.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Which listener a request came in on: the TLS one demands the token. */
struct api_listener {
    struct api_server *server;
    bool require_token;
};

struct api_server {
    store *store;
    char *node_name;
    char *data_dir; /* where the node keeps pods' logs; NULL when none */
    char *token;
    char *cert_pem, *key_pem; /* libmicrohttpd keeps pointers to these */
    struct MHD_Daemon *unix_daemon, *tls_daemon;
    int unix_fd; /* owned by unix_daemon once it runs */
    struct api_listener unix_listener, tls_listener;
    pthread_mutex_t lock; /* guards stopping, and is the mutex of `changed` */
    pthread_cond_t changed;
    uint64_t change_count; /* api_server_changed() calls so far; guarded by lock */
    bool stopping;
    int streams;                         /* upgraded connections being served (stream.c); guarded by lock */
    int stream_fds[API_MAX_CONNECTIONS]; /* their sockets, 0 in free slots; guarded by lock */
    atomic_size_t buffered_bytes;        /* request bodies being received, over all connections */
    struct api_header_deadline *header_deadline;
};

struct api_request {
    api_server *server;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
};

struct api_response {
    unsigned code;
    json_t *body;             /* JSON reply, or */
    struct MHD_Response *raw; /* a ready response (watch streams) */
    const char *content_type; /* of body: NULL for application/json; a static string */
    char warning[2048];       /* the Warning header (299 - "...", 299 - "..."), empty for none */
};

/* The path a resource request names: /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]] or the same under
 * /apis/GROUP/VERSION. Pointers into a buffer the router owns; absent parts are NULL. */
struct api_path {
    const char *group, *version, *ns, *resource, *name, *subresource;
};

const char *api_request_arg(const struct api_request *req, const char *key);
const char *api_request_header(const struct api_request *req, const char *name);

/* Sets the reply; body is stolen. */
void api_reply(struct api_response *resp, unsigned code, json_t *body);
/* Replies with a Status object, taking its code from the Status. */
void api_reply_status(struct api_response *resp, json_t *status);

/* Upgraded connections (exec, attach, port-forward) count themselves in and out, so that stopping the
 * server waits for them; they end once api_server_stopping() says so. */
void api_server_stream_begin(api_server *server, int fd);
void api_server_stream_end(api_server *server, int fd);
bool api_server_stopping(api_server *server);

/* Routing (router.c), discovery (discovery.c), resources (resource.c), watch (watch.c). */
void api_route(const struct api_request *req, struct api_response *resp);
bool api_discovery_handle(const struct api_request *req, const char *const *segments, int n,
                          struct api_response *resp);
/* The OpenAPI v3 index or a group-version's document (openapi.c); NULL when there is none. */
json_t *api_openapi_document(const char *const *segments, int n);
void api_resource_handle(const struct api_request *req, const struct api_path *path,
                         struct api_response *resp);

#endif
