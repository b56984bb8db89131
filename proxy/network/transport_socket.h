#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "proxy/core/buffer.h"
#include "proxy/network/ssl_connection_info.h"

namespace meshproxy::network {

// What one transport call did, for the connection to act on.
struct TransportResult {
  // Fatal: the connection must close (a TLS alert may be queued in the raw output).
  bool close = false;
  // The handshake finished during this call (raised once).
  bool handshake_complete = false;
  // The peer ended its direction cleanly (TLS close_notify).
  bool end_stream = false;
};

// Sits between a connection's socket bytes and the plaintext its callbacks see (Envoy's
// transport socket). A Connection without one is the raw transport: bytes go to and from the
// socket untouched and no extra buffer or copy is involved. An implementation never touches
// the file descriptor: the Connection reads the socket into `raw_in`, writes `raw_out` to
// it with its usual deferred writev, and calls the transport in between.
class TransportSocket {
 public:
  virtual ~TransportSocket() = default;

  // Called once, before anything else: the connection's ciphertext queues. The transport
  // consumes `raw_in` and appends everything it has to send (handshake messages, records,
  // alerts, session tickets, close_notify) to `raw_out`.
  virtual void bind(Buffer& raw_in, Buffer& raw_out) = 0;
  // A client starts its handshake (ClientHello into raw_out); a server does nothing.
  virtual TransportResult startHandshake() = 0;
  // Consumes raw_in: advances the handshake, appends decrypted bytes to `plaintext`.
  virtual TransportResult doRead(Buffer& plaintext) = 0;
  // Encrypts and drains all of `plaintext` once the handshake is complete; before that it
  // leaves `plaintext` alone (held until the handshake finishes).
  virtual TransportResult doWrite(Buffer& plaintext) = 0;
  // Queues a close_notify (graceful close or our end of the stream). Idempotent.
  virtual void shutdown() = 0;

  virtual bool handshakeComplete() const = 0;
  // Why the handshake or the connection failed, for logs and access logs ("" if it did not).
  virtual std::string_view failureReason() const = 0;
  // The negotiated session and the peer's identity; null until the handshake completes.
  virtual const std::shared_ptr<const SslConnectionInfo>& ssl() const = 0;
};

// Per-connection parameters a factory may need.
struct TransportSocketOptions {
  // Client side: resumption sessions are cached per upstream address.
  std::string_view session_key;
};

// Made once per filter chain or cluster at config time (immutable, shared by all workers);
// makes one TransportSocket per connection.
class TransportSocketFactory {
 public:
  virtual ~TransportSocketFactory() = default;
  // nullptr when the transport cannot be set up yet (a TLS secret has not arrived): the
  // connection is refused, with `failure` saying why.
  virtual std::unique_ptr<TransportSocket> create(const TransportSocketOptions& options,
                                                  std::string* failure) const = 0;
  // Whether create() can succeed now: a TLS context whose SDS secrets have not all arrived
  // is not ready, and the listener or cluster using it should stay warming.
  virtual bool ready() const = 0;
};

using TransportSocketFactorySharedPtr = std::shared_ptr<const TransportSocketFactory>;

}  // namespace meshproxy::network
