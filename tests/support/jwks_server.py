#!/usr/bin/python3
"""A remote JWKS server for the jwt_authn integration tests, on 127.0.0.1 with an ephemeral port.

Usage: jwks_server.py JWKS_FILE
Prints "PORT <n>" on stdout once listening. Every GET serves JWKS_FILE as it is at that moment
(the test rewrites it to rotate keys) and is counted; GET /count answers the count (not
counted). A file that holds the single word "500" makes the server answer 500."""
import http.server
import sys
import threading

jwks_file = sys.argv[1]
lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global count
        if self.path == "/count":
            with lock:
                body = str(count).encode()
            self.reply(200, body, "text/plain")
            return
        with lock:
            count += 1
        with open(jwks_file, "rb") as f:
            body = f.read()
        if body.strip() == b"500":
            self.reply(500, b"unavailable", "text/plain")
        else:
            self.reply(200, body, "application/json")

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
