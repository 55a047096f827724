#!/usr/bin/python3
"""Drives a running `husk daemon` for bench/run.sh and writes timing samples (ms, one per line).

Everything goes through the daemon's Kubernetes API on DATA_DIR/husk.sock; a pod counts as started, exited,
Running or gone when a watch on that API reports it, which is what a client of the node sees.

    driver.py DATA_DIR OUT_DIR start N YAML       create -> main container running, via `husk apply` and POST
    driver.py DATA_DIR OUT_DIR true N             one-container /bin/true pods, create -> exit seen, back to back
    driver.py DATA_DIR OUT_DIR burst N            N pods created at once -> all Running (keeps them)
    driver.py DATA_DIR OUT_DIR delete-one N       delete -> gone of a pod whose container exits on SIGTERM
    driver.py DATA_DIR OUT_DIR delete-burst       delete -> all gone of the burst's pods
    driver.py DATA_DIR OUT_DIR delete-all         removes every pod (grace 0) and waits until none is left
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import http.client

DATA, OUT = sys.argv[1], sys.argv[2]
SOCK = os.path.join(DATA, "husk.sock")
HUSK = os.environ.get("HUSK", "husk")
NS = "default"
PODS = "/api/v1/namespaces/%s/pods" % NS
# A container that exits on SIGTERM: busybox sh runs as PID 1 of its PID namespace, where a signal without a
# handler is ignored, so the trap is what makes it leave.
TERM_ARGV = ["sh", "-c", "trap 'exit 0' TERM; sleep 36000 & wait"]


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost", timeout=120)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(SOCK)


def request(conn, method, path, body=None, ctype="application/json"):
    headers = {"Content-Type": ctype} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status >= 300:
        raise RuntimeError("%s %s: %d %s" % (method, path, resp.status, data[:300]))
    return json.loads(data) if data else None


class Watch:
    """A pod watch from a resourceVersion on, read as decoded events (chunked transfer, one JSON per line)."""

    def __init__(self, rv, selector=None, timeout=180):
        # The server sends keep-alive newlines, so a socket timeout alone would never end a stuck wait.
        self.deadline = time.time() + timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCK)
        self.sock.settimeout(30)
        q = "watch=1&resourceVersion=%s" % rv
        if selector:
            q += "&labelSelector=" + selector
        self.sock.sendall(("GET %s?%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % (PODS, q)).encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("watch: " + head.decode(errors="replace"))
        self.chunked = b"chunked" in head.lower()
        self.lines = b""

    def _fill(self):
        if time.time() > self.deadline:
            raise RuntimeError("watch: nothing of what was awaited came in time")
        data = self.sock.recv(1 << 16)
        if not data:
            raise RuntimeError("watch: the server closed the stream")
        self.buf += data

    def _until(self, sep):
        while sep not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(sep, 1)
        return head

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def next(self):
        while b"\n" not in self.lines:
            if self.chunked:
                size = int(self._until(b"\r\n").split(b";")[0], 16)
                self.lines += self._exact(size)
                self._exact(2)
            else:
                self._fill()
                self.lines, self.buf = self.lines + self.buf, b""
        line, self.lines = self.lines.split(b"\n", 1)
        return json.loads(line) if line.strip() else self.next()

    def close(self):
        self.sock.close()


def list_rv(conn, selector=None):
    path = PODS + ("?labelSelector=" + selector if selector else "")
    return request(conn, "GET", path)["metadata"]["resourceVersion"]


def container_state(pod, name):
    for s in pod.get("status", {}).get("containerStatuses", []):
        if s.get("name") == name:
            return s.get("state", {})
    return {}


def save(name, samples):
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        for s in samples:
            f.write("%.3f\n" % s)


def ms(t0):
    return (time.perf_counter() - t0) * 1000


def wait_gone(conn, name, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            request(conn, "GET", PODS + "/" + name)
        except RuntimeError:
            return
        time.sleep(0.02)
    raise RuntimeError("pod %s still there after %d s" % (name, timeout))


def wait_no_supervisors(timeout=30):
    """Until no pod's husk-supervisor of this data dir runs: a run starts with the last one's teardown done."""
    end = time.time() + timeout
    while time.time() < end:
        if not supervisors():
            return
        time.sleep(0.02)


def supervisors():
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        # Pods' supervisors only: a spare sandbox (DATA/sandbox-pool) waits for the next pod.
        if len(argv) > 1 and argv[0].endswith(b"husk-supervisor") and argv[1].startswith(
                os.path.join(DATA, "pods").encode()):
            pids.append(int(p))
    return pids


def pod_json(name, argv, labels=None, restart="Always"):
    return json.dumps({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": name, "labels": labels or {"bench": "husk"}},
                       "spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 30,
                                "containers": [{"name": "main", "image": "busybox", "command": argv,
                                                   "imagePullPolicy": "IfNotPresent"}]}})


def start(n, yaml_path):
    """create -> main container running, created by `husk apply -f` (cli) or by a POST (api)."""
    conn = UnixHTTPConnection()
    with open(yaml_path, "rb") as f:
        body = f.read()
    name = "lumpy-koala"
    for mode in ("cli", "api"):
        samples = []
        for i in range(n + 1):  # run 0 warms up
            w = Watch(list_rv(conn))
            t0 = time.perf_counter()
            if mode == "cli":
                subprocess.run([HUSK, "apply", "-f", yaml_path, "--data-dir", DATA], check=True,
                               stdout=subprocess.DEVNULL)
            else:
                request(conn, "POST", PODS, body, "application/yaml")
            while "running" not in container_state(w.next()["object"], name):
                pass
            if i > 0:
                samples.append(ms(t0))
            w.close()
            # Its main container (sh, PID 1 of its PID namespace) ignores SIGTERM: a 1 s grace period.
            request(conn, "DELETE", PODS + "/" + name + "?gracePeriodSeconds=1")
            wait_gone(conn, name)
            wait_no_supervisors()
        save("start_" + mode, samples)


def true_pods(n):
    """One-container pods of /bin/true, one after the other: create -> the container's exit seen."""
    conn = UnixHTTPConnection()
    samples = []
    w = Watch(list_rv(conn, "bench=true"), "bench=true")
    for i in range(n + 1):
        name = "true-%d" % i
        t0 = time.perf_counter()
        request(conn, "POST", PODS, pod_json(name, ["/bin/true"], {"bench": "true"}, "Never"))
        while True:
            ev = w.next()
            if ev["object"]["metadata"]["name"] == name and "terminated" in container_state(ev["object"], "main"):
                break
        if i > 0:
            samples.append(ms(t0))
    w.close()
    save("true", samples)


def post_all(names, argv, labels, threads=8):
    errors = []

    def worker(part):
        c = UnixHTTPConnection()
        try:
            for name in part:
                request(c, "POST", PODS, pod_json(name, argv, labels))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    parts = [names[i::threads] for i in range(threads)]
    ts = [threading.Thread(target=worker, args=(p,)) for p in parts if p]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def burst(n):
    """n pods posted at once (8 connections) -> every one Running. The pods stay for the footprint and delete."""
    conn = UnixHTTPConnection()
    names = ["burst-%d" % i for i in range(n)]
    w = Watch(list_rv(conn, "bench=burst"), "bench=burst")
    t0 = time.perf_counter()
    post_all(names, TERM_ARGV, {"bench": "burst"})
    posted = ms(t0)
    running = set()
    while len(running) < n:
        obj = w.next()["object"]
        if obj.get("status", {}).get("phase") == "Running":
            running.add(obj["metadata"]["name"])
    save("burst", [ms(t0)])
    save("burst_posted", [posted])
    w.close()


def delete_one(n):
    """A pod whose container exits on SIGTERM: DELETE (default grace) -> the watch's DELETED event."""
    conn = UnixHTTPConnection()
    samples = []
    for i in range(n + 1):
        name = "del-%d" % i
        w = Watch(list_rv(conn, "bench=del"), "bench=del")
        request(conn, "POST", PODS, pod_json(name, TERM_ARGV, {"bench": "del"}))
        while w.next()["object"].get("status", {}).get("phase") != "Running":
            pass
        w.close()
        time.sleep(0.1)  # the trap is set once sh runs; let it get there
        w = Watch(list_rv(conn, "bench=del"), "bench=del")
        t0 = time.perf_counter()
        request(conn, "DELETE", PODS + "/" + name)
        while w.next()["type"] != "DELETED":
            pass
        if i > 0:
            samples.append(ms(t0))
        w.close()
        wait_no_supervisors()
    save("delete_one", samples)


def delete_burst():
    conn = UnixHTTPConnection()
    names = [p["metadata"]["name"] for p in request(conn, "GET", PODS + "?labelSelector=bench=burst")["items"]]
    w = Watch(list_rv(conn, "bench=burst"), "bench=burst")
    t0 = time.perf_counter()
    errors = []

    def worker(part):
        c = UnixHTTPConnection()
        try:
            for name in part:
                request(c, "DELETE", PODS + "/" + name)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(names[i::8],)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]
    gone = set()
    while len(gone) < len(names):
        ev = w.next()
        if ev["type"] == "DELETED":
            gone.add(ev["object"]["metadata"]["name"])
    save("delete_burst", [ms(t0)])
    w.close()


def delete_all():
    conn = UnixHTTPConnection()
    for p in request(conn, "GET", PODS)["items"]:
        request(conn, "DELETE", PODS + "/" + p["metadata"]["name"] + "?gracePeriodSeconds=0")
    wait_no_supervisors(60)


def main():
    what = sys.argv[3]
    if what == "start":
        start(int(sys.argv[4]), sys.argv[5])
    elif what == "true":
        true_pods(int(sys.argv[4]))
    elif what == "burst":
        burst(int(sys.argv[4]))
    elif what == "delete-one":
        delete_one(int(sys.argv[4]))
    elif what == "delete-burst":
        delete_burst()
    elif what == "delete-all":
        delete_all()
    else:
        sys.exit("driver.py: unknown benchmark " + what)


if __name__ == "__main__":
    main()
