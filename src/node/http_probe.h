/* An httpGet probe or lifecycle hook as the kubelet makes it (pkg/probe/http): one HTTP/1.1 GET over a
 * socket, or over TLS without verifying the certificate for scheme HTTPS (GnuTLS), with the handler's
 * headers, "User-Agent: kube-probe/1.32" and an Accept of every media type unless the handler sets them, and
 * a Host header (the handler's, else HOST:PORT). 200 <= status < 400 is success; redirects to the same host
 * name are followed up to 10, a redirect to another host ends the probe with a success and a warning;
 * everything (redirects included) is within the time limit. */
#ifndef HUSK_NODE_HTTP_PROBE_H
#define HUSK_NODE_HTTP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct node_http_header {
    const char *name, *value;
};

struct node_http_request {
    bool https;
    const char *host; /* an IPv4 address: the probe connects to it inside the pod's network namespace */
    int port;
    const char *path; /* "/healthz"; a missing leading '/' is added */
    const struct node_http_header *headers;
    size_t n_headers;
    int timeout_ms;
};

enum node_http_result { NODE_HTTP_FAILURE, NODE_HTTP_SUCCESS, NODE_HTTP_WARNING };

/* Makes the request; message gets the kubelet's words for a failure ("HTTP probe failed with statuscode:
 * 500", "Get \"http://…\": dial tcp …: connect: connection refused") or a warning. */
enum node_http_result node_http_probe(const struct node_http_request *r, char *message, size_t message_size);

/* Shared with the gRPC probe (grpc_probe.c); deadlines are husk_now_ms() times. A TCP connection to an
 * IPv4 host made before deadline_ms, returned blocking with its reads and writes bounded by the deadline (or
 * -1 with Go's words for the failure in message); re-arming those bounds before each read or write. */
int node_probe_dial(const char *host, int port, int64_t deadline_ms, char *message, size_t size);
void node_probe_set_timeouts(int fd, int64_t deadline_ms);

#endif
