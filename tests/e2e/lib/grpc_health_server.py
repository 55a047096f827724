#!/usr/bin/python3
"""A gRPC health server (grpc.health.v1.Health/Check) for the probe tests, on 127.0.0.1:PORT, answering
every check with STATUS (SERVING or NOT_SERVING). The messages are hand-encoded: HealthCheckResponse is
one enum field. Usage: grpc_health_server.py PORT STATUS"""
import sys
from concurrent import futures

import grpc

STATUSES = {"UNKNOWN": 0, "SERVING": 1, "NOT_SERVING": 2}


def main():
    port, status = sys.argv[1], STATUSES[sys.argv[2]]
    response = bytes([0x08, status]) if status else b""

    def check(request, context):
        return response

    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(
            check, request_deserializer=lambda b: b, response_serializer=lambda b: b)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port("127.0.0.1:" + port)
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
