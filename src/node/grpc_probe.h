/* A gRPC probe as the kubelet makes it (pkg/probe/grpc): grpc.health.v1.Health/Check over HTTP/2 without
 * TLS, success when the service answers SERVING within the time limit. Written on a socket (grpc_probe.c)
 * so that the daemon needs no HTTP/2 library. */
#ifndef HUSK_NODE_GRPC_PROBE_H
#define HUSK_NODE_GRPC_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* Checks service ("" for the server as a whole) at host:port (an IPv4 address); message says why not:
 * "failed to connect service …", "health rpc failed: grpc-status N", "service unhealthy (responded with
 * \"NOT_SERVING\")". */
bool node_grpc_probe(const char *host, int port, const char *service, int timeout_ms, char *message,
                     size_t size);

#endif
