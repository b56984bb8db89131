#pragma once

#include <memory>
#include <string>

#include "proxy/network/transport_socket.h"
#include "proxy/tls/buffer_bio.h"
#include "proxy/tls/openssl_ptr.h"
#include "proxy/tls/ssl_context.h"

namespace meshproxy::tls {

// envoy.transport_sockets.tls for one connection: OpenSSL driven over the connection's
// buffers (BufferBio), never over its file descriptor. Handshake, records, alerts, session
// tickets and close_notify all pass through raw_in / raw_out; the Connection does the I/O.
class SslSocket : public network::TransportSocket {
 public:
  // `session_key` (client) names the cache entry used for resumption ("" disables it).
  SslSocket(std::shared_ptr<const SslContext> context, std::string session_key);
  ~SslSocket() override;

  void bind(Buffer& raw_in, Buffer& raw_out) override;
  network::TransportResult startHandshake() override;
  network::TransportResult doRead(Buffer& plaintext) override;
  network::TransportResult doWrite(Buffer& plaintext) override;
  void shutdown() override;
  bool handshakeComplete() const override { return handshake_complete_; }
  std::string_view failureReason() const override { return failure_; }
  const std::shared_ptr<const network::SslConnectionInfo>& ssl() const override { return info_; }

 private:
  bool server() const { return context_->config().server; }
  // Drives SSL_do_handshake; fills `result` and returns false when reading must stop.
  bool advanceHandshake(network::TransportResult& result);
  void onHandshakeDone();
  void fail(int ssl_error, std::string_view during);

  std::shared_ptr<const SslContext> context_;
  SslPtr ssl_;
  BufferBioTarget bio_target_;
  HandshakeRecord record_;
  std::shared_ptr<const network::SslConnectionInfo> info_;
  std::string failure_;
  bool handshake_complete_ = false;
  bool shutdown_sent_ = false;
  bool failed_ = false;
};

}  // namespace meshproxy::tls
