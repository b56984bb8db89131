#!/usr/bin/python3
"""An HTTP authorization server for the ext_authz integration tests (HttpService), on 127.0.0.1
with an ephemeral port. Prints "PORT <n>" on stdout once listening.

It decides by the x-authz header of the check request (any method):
  "deny" -> 403, body "denied by http authz", headers x-deny-reason: policy and
            x-internal: secret (the proxy's allowed_client_headers decides what the client sees);
  "slow" -> waits 2 s, then 200 (timeout tests);
  other  -> 200 with x-authz-path (the path it was asked), x-authz-method, x-authz-added (the
            x-added header the proxy's headers_to_add set), x-authz-auth (authorization),
            x-authz-body (the body it got) and x-authz-user: checked."""
import http.server
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        decision = self.headers.get("x-authz", "")
        if decision == "deny":
            self.reply(403, b"denied by http authz",
                       [("x-deny-reason", "policy"), ("x-internal", "secret")])
            return
        if decision == "slow":
            time.sleep(2)
        self.reply(200, b"", [
            ("x-authz-path", self.path),
            ("x-authz-method", self.command),
            ("x-authz-added", self.headers.get("x-added", "")),
            ("x-authz-auth", self.headers.get("authorization", "")),
            ("x-authz-body", body.decode("latin-1")),
            ("x-authz-user", "checked"),
        ])

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

    def reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
