#!/usr/bin/env python3
"""Writes the seed corpora of the stream fuzzers into tests/fuzz/corpus/<target>/.

Run it again after editing the lists below; it rewrites only the seed-*.bin files it owns (crash
regressions and other files in the folders stay). Seeds of the HTTP/1 codec targets are 4 control
bytes (fuzz_support.h) and the bytes a peer sends; the control words below choose different
answer behaviours. ClientHellos come from Python's own TLS stack through memory BIOs.
"""
import os
import ssl
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /x?y=1 HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok",
    b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nraw bytes",
    b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\ntunnel",
    b"PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    b"GET http://b.example/abs HTTP/1.1\r\nHost: b.example\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
]

RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nraw",
    b"HTTP/1.0 200 OK\r\n\r\nbody until close",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny",
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
]

SNIFF = [
    b"GET / HTTP/1.1\r\n",
    b"POST /x HTTP/1.0\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"M-SEARCH * HTTP/1.1\n",
    b"\x16\x03\x01\x00\x05hello",
    b"SSH-2.0-OpenSSH_9.2\r\n",
]


def control(answer=0, split=0, bits=()):
    word = split | (answer << 8)
    for b in bits:
        word |= 1 << b
    return struct.pack("<I", word)


def client_hellos():
    out = []
    for sni, alpn in [("example.com", ["h2", "http/1.1"]), (None, []),
                      ("outbound_.8080_._.reviews.default.svc.cluster.local", ["istio-peer-exchange", "istio"])]:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if alpn:
            ctx.set_alpn_protocols(alpn)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        conn = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
        try:
            conn.do_handshake()
        except ssl.SSLWantReadError:
            pass
        out.append(outgoing.read())
    # The same hello split over two records.
    hello = out[0]
    body = hello[5:]
    split = hello[:3] + struct.pack(">H", 40) + body[:40] + hello[:3] + struct.pack(">H", len(body) - 40) + body[40:]
    out.append(split)
    return out


def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.startswith("seed-") and name.endswith(".bin"):
            os.remove(os.path.join(folder, name))
    for i, data in enumerate(seeds):
        with open(os.path.join(folder, "seed-%02d.bin" % i), "wb") as f:
            f.write(data)


def main():
    server = []
    # Answer at end, split byte-wise / small pieces / in one piece; then the other behaviours.
    behaviours = [control(0, 0), control(0, 1), control(1, 2, [11]), control(0, 3, [10, 12]),
                  control(2, 5), control(3, 6), control(0, 7, [13, 15]), control(0, 9, [14])]
    for i, req in enumerate(REQUESTS):
        server.append(behaviours[i % len(behaviours)] + req)
    server.append(control(0, 4, [15]) + REQUESTS[5])
    server.append(control(0, 4, [15]) + REQUESTS[6])
    write("http1_server_codec_fuzz", server)

    client = []
    methods = {2: 0, 3: 1, 5: 4}  # 204 after GET, 304 after HEAD, 101 after an upgrade
    for i, resp in enumerate(RESPONSES):
        bits = [11] if i in (6, 7) else []  # the origin closes at the end
        if i == 8:
            bits.append(14)  # two requests over the connection
        # control(): bits 8-10 are the request method for this target.
        client.append(control(methods.get(i, i % 4), (i * 37) % 256, bits) + resp)
    write("http1_client_codec_fuzz", client)
    write("http_sniffer_fuzz", SNIFF)
    write("tls_client_hello_fuzz", client_hellos())


if __name__ == "__main__":
    main()
