#!/usr/bin/python3
"""Raw-frame HTTP/2 client for the HTTP/2 security tests (tests/integration/http2_security_test.cc).

Builds frames with hyperframe and header blocks with hpack (Debian's python3-h2 brings both),
so it can send what a well-behaved library refuses to: floods, CONTINUATION chains, invalid
pseudo-headers, DATA after END_STREAM, a stream after GOAWAY. It runs one named attack on a
fresh h2c connection and prints one JSON object describing what the server did:

  goaway: error code of the last GOAWAY received (null if none); goaway_last_stream
  rst: {stream id: RST_STREAM error code}; responses: {stream id: :status}
  closed: the server closed the connection; bystander: :status a second connection, opened
  before the attack, got for a request sent after it (null if not asked or failed).

Every loop is bounded in frames and in time.
"""
import json
import socket
import sys
import time

import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, PriorityFrame, RstStreamFrame, SettingsFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class Conn:
    def __init__(self, host, port, authority):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.authority = authority
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 24
        self.buf = b""
        self.goaway = None
        self.goaway_last_stream = None
        self.rst = {}
        self.responses = {}
        self.closed = False
        self.send(PREFACE + SettingsFrame(0).serialize())

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.closed = True
            return False

    def request_block(self, path="/", extra=()):
        headers = [(":method", "GET"), (":scheme", "http"), (":authority", self.authority),
                   (":path", path)] + list(extra)
        return self.encoder.encode(headers)

    def headers(self, stream_id, block, end_stream=True, end_headers=True):
        flags = []
        if end_stream:
            flags.append("END_STREAM")
        if end_headers:
            flags.append("END_HEADERS")
        return HeadersFrame(stream_id, data=block, flags=flags).serialize()

    def get(self, stream_id, path="/"):
        return self.send(self.headers(stream_id, self.request_block(path)))

    def read(self, until, timeout):
        """Reads frames until until(self) holds, the connection closes, or timeout."""
        deadline = time.monotonic() + timeout
        while not self.closed and not until(self):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(min(left, 0.5))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                self.closed = True
                return
            if not chunk:
                self.closed = True
                return
            self.buf += chunk
            self._parse()

    def _parse(self):
        while len(self.buf) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
            if len(self.buf) < 9 + length:
                return
            frame.parse_body(memoryview(self.buf[9:9 + length]))
            self.buf = self.buf[9 + length:]
            self._on_frame(frame)

    def _on_frame(self, frame):
        if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
            self.send(SettingsFrame(0, flags=["ACK"]).serialize())
        elif isinstance(frame, HeadersFrame):
            headers = self.decoder.decode(frame.data, raw=False)
            for name, value in headers:
                if name == ":status" and frame.stream_id not in self.responses:
                    self.responses[frame.stream_id] = int(value)
        elif isinstance(frame, RstStreamFrame):
            self.rst[frame.stream_id] = frame.error_code
        elif isinstance(frame, GoAwayFrame):
            self.goaway = frame.error_code
            self.goaway_last_stream = frame.last_stream_id
        elif isinstance(frame, DataFrame) and frame.flow_controlled_length > 0:
            # Keep the windows open for long responses.
            pass

    def result(self):
        return {"goaway": self.goaway, "goaway_last_stream": self.goaway_last_stream,
                "rst": {str(k): v for k, v in self.rst.items()},
                "responses": {str(k): v for k, v in self.responses.items()},
                "closed": self.closed}


def settled(c):
    return c.closed


def attack_rapid_reset(c, args):
    # HEADERS then RST_STREAM(CANCEL) at once, in batches, until the server stops us.
    stream_id = 1
    for _ in range(20):
        batch = b""
        for _ in range(100):
            batch += c.headers(stream_id, c.request_block("/rapid"))
            batch += RstStreamFrame(stream_id, error_code=8).serialize()
            stream_id += 2
        if not c.send(batch):
            break
        c.read(lambda c: c.goaway is not None, 0.05)
        if c.goaway is not None:
            break
    c.read(settled, 5)


def attack_continuation_flood(c, args):
    # One HEADERS without END_HEADERS, then CONTINUATION frames that never end the block.
    c.send(c.headers(1, c.request_block("/cont"), end_stream=True, end_headers=False))
    for i in range(0, 1000, 50):
        batch = b"".join(
            ContinuationFrame(1, data=c.encoder.encode([("x-flood-%d" % j, "v" * 16)])).serialize()
            for j in range(i, i + 50))
        if not c.send(batch):
            break
    c.read(settled, 5)


def attack_settings_flood(c, args):
    # Many SETTINGS in one write, without reading the ACKs.
    c.send(SettingsFrame(0).serialize() * 20000)
    c.read(settled, 5)


def attack_ping_flood(c, args):
    # A 16 KiB read holds under 1,000 PINGs, so the ACKs pile up only once the socket and the
    # proxy's write buffer are full: keep sending without reading (at most 2M PINGs, 34 MB).
    pings = PingFrame(0, opaque_data=b"12345678").serialize() * 10000
    for _ in range(200):
        if not c.send(pings):
            break
    c.read(settled, 10)


def attack_priority_flood(c, args):
    frames = b"".join(PriorityFrame(1 + 2 * (i % 50), depends_on=0, stream_weight=16).serialize()
                      for i in range(2000))
    c.send(frames)
    c.read(settled, 5)


def attack_header_list_size(c, args):
    # 80 fields of 1 KiB: 80 KiB decoded, over the 60 KiB limit, in under 8 CONTINUATIONs.
    block = c.request_block("/big", [("x-big-%d" % i, "b" * 1024) for i in range(80)])
    frames = []
    chunk = 16384
    parts = [block[i:i + chunk] for i in range(0, len(block), chunk)]
    frames.append(HeadersFrame(1, data=parts[0], flags=["END_STREAM"]).serialize())
    for i, part in enumerate(parts[1:]):
        last = i == len(parts) - 2
        frames.append(ContinuationFrame(1, data=part, flags=["END_HEADERS"] if last else [])
                      .serialize())
    c.send(b"".join(frames))
    c.read(lambda c: "1" in {str(k) for k in c.rst} or 1 in c.responses, 5)
    # The connection goes on: a normal request on it is answered.
    c.get(3, "/after")
    c.read(lambda c: 3 in c.responses, 5)


def attack_invalid_pseudo_header(c, args):
    block = c.encoder.encode([(":method", "GET"), (":scheme", "http"),
                              (":authority", c.authority), (":path", "/"), (":foo", "bar")])
    c.send(c.headers(1, block))
    c.read(settled, 5)


def attack_data_after_end_stream(c, args):
    c.send(c.headers(1, c.request_block("/ended")) + DataFrame(1, data=b"late").serialize())
    c.read(lambda c: 1 in c.rst or 1 in c.responses, 5)
    c.get(3, "/after")
    c.read(lambda c: 3 in c.responses, 5)


def attack_stream_after_goaway(c, args):
    # Stream 1 waits on a slow upstream; the test drains the proxy (SIGTERM). Once the final
    # GOAWAY (a real last-stream-id) arrives, open stream 3 anyway.
    c.get(1, args.get("path", "/slow"))
    c.read(lambda c: c.goaway_last_stream is not None and c.goaway_last_stream < (1 << 31) - 1,
           20)
    c.get(3, "/after-goaway")
    c.read(settled, 10)


ATTACKS = {
    "rapid_reset": attack_rapid_reset,
    "continuation_flood": attack_continuation_flood,
    "settings_flood": attack_settings_flood,
    "ping_flood": attack_ping_flood,
    "priority_flood": attack_priority_flood,
    "header_list_size": attack_header_list_size,
    "invalid_pseudo_header": attack_invalid_pseudo_header,
    "data_after_end_stream": attack_data_after_end_stream,
    "stream_after_goaway": attack_stream_after_goaway,
}


def main():
    host, port, attack = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    args = dict(a.split("=", 1) for a in sys.argv[4:])
    authority = "%s:%d" % (host, port)
    bystander = None
    if args.get("bystander", "1") == "1":
        bystander = Conn(host, port, authority)
        bystander.read(lambda c: False, 0.2)  # settings exchanged
    c = Conn(host, port, authority)
    ATTACKS[attack](c, args)
    out = c.result()
    out["bystander"] = None
    if bystander is not None:
        bystander.get(1, "/bystander")
        bystander.read(lambda b: 1 in b.responses, 5)
        out["bystander"] = bystander.responses.get(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
