#!/usr/bin/python3
"""A misbehaving HTTP client for tests/e2e/hostile.bats: the cases curl cannot make (slow or stalled
headers, broken chunked encoding, many idle connections), over the daemon's unix socket.

Usage: hostile_client.py SOCKET CASE [ARG]
  stall-headers          half a request, then silence; prints the seconds until the server closes
  trickle-headers SECS   one header byte every 0.5 s; prints the seconds until the server closes, or
                         "open" when it is still open after SECS
  chunked KIND           a POST with a broken chunked body (bad-size, huge-size, no-crlf, truncated);
                         prints the status line of the reply, or "closed" when the server just closed
  big-bodies N S         N uploads of a 2.9 MB body, each one byte short, held S seconds
  idle-connections N S   opens up to N connections that send nothing (until the server's backlog stays
                         full), prints how many, holds them S seconds, then closes them
"""
import socket
import sys
import time


def connect(path, timeout=60.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def wait_closed(s, started):
    """Reads until EOF or a reset; returns the elapsed seconds."""
    try:
        while s.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    return time.monotonic() - started


def stall_headers(path):
    s = connect(path, timeout=120)
    started = time.monotonic()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    print(f"{wait_closed(s, started):.0f}")


def trickle_headers(path, seconds):
    s = connect(path)
    started = time.monotonic()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    try:
        while time.monotonic() - started < seconds:
            s.sendall(b"a")
            time.sleep(0.5)
    except (BrokenPipeError, ConnectionResetError):
        print(f"{time.monotonic() - started:.0f}")
        return
    print("open")


BODIES = {
    # Not hexadecimal.
    "bad-size": b"zz\r\n{}\r\n0\r\n\r\n",
    # A chunk size that overflows 64 bits.
    "huge-size": b"ffffffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    # Chunk data not followed by CRLF.
    "no-crlf": b"2\r\n{}XX0\r\n\r\n",
    # The connection ends inside a chunk.
    "truncated": b"100\r\n{\"apiVersion\":",
}


def chunked(path, kind):
    s = connect(path, timeout=40)
    s.sendall(b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + BODIES[kind])
    if kind == "truncated":
        s.shutdown(socket.SHUT_WR)
    try:
        reply = s.recv(4096)
    except (ConnectionResetError, socket.timeout):
        reply = b""
    print(reply.split(b"\r\n", 1)[0].decode() if reply else "closed")


def idle_connections(path, n, hold):
    """Connects until n connections are open or the server's backlog stays full for 3 s."""
    held = []
    deadline = time.monotonic() + 3
    while len(held) < n and time.monotonic() < deadline:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
        except BlockingIOError:
            # The listen backlog is full: the server is not accepting (fast enough).
            s.close()
            time.sleep(0.01)
            continue
        held.append(s)
        deadline = time.monotonic() + 3
    print(len(held), flush=True)
    time.sleep(hold)
    for s in held:
        s.close()


def big_bodies(path, n, hold):
    """n uploads of a 2,900,000-byte body, each stopping one byte short; prints "sent", holds, closes."""
    held = []
    size = 2900000
    chunk = b"a" * 65536
    for _ in range(n):
        s = connect(path)
        s.sendall(b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size)
        left = size - 1
        while left > 0:
            part = chunk[:min(left, len(chunk))]
            s.sendall(part)
            left -= len(part)
        held.append(s)
    print("sent", flush=True)
    time.sleep(hold)
    for s in held:
        s.close()


def main():
    path, case = sys.argv[1], sys.argv[2]
    if case == "stall-headers":
        stall_headers(path)
    elif case == "trickle-headers":
        trickle_headers(path, float(sys.argv[3]))
    elif case == "chunked":
        chunked(path, sys.argv[3])
    elif case == "big-bodies":
        big_bodies(path, int(sys.argv[3]), float(sys.argv[4]))
    elif case == "idle-connections":
        idle_connections(path, int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(f"unknown case {case}")


if __name__ == "__main__":
    main()
