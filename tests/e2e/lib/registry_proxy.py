#!/usr/bin/python3
"""A small HTTP proxy in front of the test registry, for what Debian's docker-registry cannot do alone:
  --token USER:PASS   require the Docker token flow: 401 + WWW-Authenticate Bearer, a /token endpoint that
                      checks basic credentials and hands out a token, then only requests bearing it pass
  --slow BYTES        send blob bodies at about BYTES per second (so a test can kill the registry mid-pull)
Usage: registry_proxy.py UPSTREAM_HOST:PORT LISTEN_PORT [--token U:P] [--slow N]"""
import base64
import http.server
import sys
import time
import urllib.error
import urllib.request

UPSTREAM, PORT = sys.argv[1], int(sys.argv[2])
TOKEN_CREDS = None
SLOW = 0
args = sys.argv[3:]
while args:
    if args[0] == "--token":
        TOKEN_CREDS = args[1]
    elif args[0] == "--slow":
        SLOW = int(args[1])
    args = args[2:]
TOKEN = "husk-test-token"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def token_endpoint(self):
        want = "Basic " + base64.b64encode(TOKEN_CREDS.encode()).decode()
        if self.headers.get("Authorization") != want:
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        self.reply(200, b'{"token":"%s"}' % TOKEN.encode(), [("Content-Type", "application/json")])

    def do_GET(self):
        if TOKEN_CREDS and self.path.startswith("/token"):
            return self.token_endpoint()
        if TOKEN_CREDS and self.headers.get("Authorization") != "Bearer " + TOKEN:
            realm = "http://127.0.0.1:%d/token" % PORT
            challenge = 'Bearer realm="%s",service="husk-test",scope="repository:library/busybox:pull"' % realm
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [("WWW-Authenticate", challenge)])
        req = urllib.request.Request("http://" + UPSTREAM + self.path)
        for k in ("Accept",):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        try:
            with urllib.request.urlopen(req) as r:
                body, status, headers = r.read(), r.status, r.getheaders()
        except urllib.error.HTTPError as e:
            body, status, headers = e.read(), e.code, e.headers.items()
        keep = [(k, v) for k, v in headers if k.lower() in ("content-type", "docker-content-digest")]
        if not (SLOW and "/blobs/" in self.path):
            return self.reply(status, body, keep)
        self.send_response(status)
        for k, v in keep:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        chunk = max(1, SLOW // 10)
        for i in range(0, len(body), chunk):
            self.wfile.write(body[i:i + chunk])
            self.wfile.flush()
            time.sleep(0.1)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
