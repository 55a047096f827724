/* The streaming pod subresources (exec, attach, portforward): what they share. A request is checked as the
 * API server and the kubelet check it (the pod, its container, its sandbox on this node), then answered
 * with 101 Switching Protocols; the upgraded connection is served on a thread of its own (libmicrohttpd's
 * connection thread must go on forwarding TLS), and the server's stop waits for these threads.
 * Internal to src/api. */
#ifndef HUSK_API_STREAM_H
#define HUSK_API_STREAM_H

#include "api/resource.h"
#include "runtime/runtime.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A connection to be served once upgraded. Embed it first in the session's own struct. */
struct api_stream {
    api_server *server;
    /* Serves the upgraded socket fd; extra holds what the client sent past its request. */
    void (*run)(struct api_stream *s, int fd, const uint8_t *extra, size_t extra_len);
    void (*free)(struct api_stream *s); /* frees the session, also when it never ran */
};

/* The WebSocket subprotocols kubectl offers, in the order husk prefers them. */
#define API_STREAM_V5             "v5.channel.k8s.io"
#define API_STREAM_V4             "v4.channel.k8s.io"
#define API_STREAM_PORTFORWARD_WS "SPDY/3.1+portforward.k8s.io"
#define API_STREAM_PORTFORWARD    "portforward.k8s.io"

/* Answers a WebSocket upgrade request with 101 and the first of protocols (NULL-terminated) the client
 * offers; *ret_index says which. The session is taken either way (freed on failure, after a 400 reply). */
int api_stream_accept_websocket(const struct api_request *req, struct api_response *resp,
                                const char *const *protocols, struct api_stream *s, int *ret_index);

/* Answers an `Upgrade: SPDY/3.1` request (X-Stream-Protocol-Version: protocol) with 101. Takes s. */
int api_stream_accept_spdy(const struct api_request *req, struct api_response *resp, const char *protocol,
                           struct api_stream *s);

/* Whether a SPDY upgrade request offers protocol in one of its X-Stream-Protocol-Version headers. */
bool api_stream_spdy_offers(const struct api_request *req, const char *protocol);

/* Whether the request asks for a WebSocket, or for SPDY/3.1. */
bool api_stream_wants_websocket(const struct api_request *req);
bool api_stream_wants_spdy(const struct api_request *req);

/* Whether the server is stopping: sessions end then. */
bool api_stream_stopping(const struct api_stream *s);

/* The pod a streaming request names, or NULL after replying NotFound. */
json_t *api_stream_pod(const struct api_request *req, const struct api_target *t, struct api_response *resp);

/* The ?container of the request, or the pod's only container; NULL after replying BadRequest in the API
 * server's words ("container x is not valid for pod y", "a container name must be specified ..."). */
const char *api_stream_container(const struct api_request *req, const json_t *pod, struct api_response *resp);

/* Opens the pod's sandbox on this node; NULL after replying (no node here, or no sandbox yet). */
struct runtime_sandbox *api_stream_sandbox(const struct api_request *req, json_t *pod,
                                           struct api_response *resp);

/* A Status object as text, for the error channel: Success, or a Failure with the message. */
char *api_stream_status_text(int exit_code, const char *error_message);

/* The three streaming subresources (stream_exec.c, stream_attach.c, stream_portforward.c). */
void api_pod_exec(const struct api_request *req, const struct api_target *t, struct api_response *resp);
void api_pod_attach(const struct api_request *req, const struct api_target *t, struct api_response *resp);
void api_pod_portforward(const struct api_request *req, const struct api_target *t,
                         struct api_response *resp);

#endif
