// In-memory TLS for unit tests: contexts built straight from PEM strings, and a client and a
// server SslSocket that exchange their ciphertext buffers without any socket.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proxy/core/buffer.h"
#include "proxy/stats/store.h"
#include "proxy/tls/context_provider.h"
#include "proxy/tls/ssl_socket.h"
#include "tests/support/test_certs.h"

namespace meshproxy::tls::testing {

using meshproxy::testing::CertAndKey;
using meshproxy::testing::CertOptions;
using meshproxy::testing::TestCa;

inline DataSourceSpec inlineData(std::string pem) { return DataSourceSpec{"", std::move(pem)}; }

// A context config with an inline certificate and (optionally) an inline trusted CA.
inline std::shared_ptr<TlsContextConfig> makeConfig(bool server, const CertAndKey* cert,
                                                    const std::string* trusted_ca) {
  auto config = std::make_shared<TlsContextConfig>();
  config->server = server;
  config->owner = server ? "listener 'test'" : "cluster 'test'";
  config->max_version = TLS1_3_VERSION;
  if (cert != nullptr) {
    config->certificate = CertificateSpec{inlineData(cert->cert_pem), inlineData(cert->key_pem)};
  }
  if (trusted_ca != nullptr) {
    config->validation = ValidationSpec{};
    config->validation->trusted_ca = inlineData(*trusted_ca);
  }
  return config;
}

inline std::shared_ptr<TlsContextProvider> makeProvider(stats::Store& store,
                                                        const std::string& owner,
                                                        std::shared_ptr<TlsContextConfig> config) {
  auto provider = std::make_shared<TlsContextProvider>(
      std::move(config), SslStats::create(store.scope("listener", owner)));
  auto status = provider->rebuild(nullptr);
  EXPECT_TRUE(status.ok()) << status;
  return provider;
}

// One side of an in-memory connection: its ciphertext queues and its plaintext.
struct Side {
  Buffer raw_in;
  Buffer raw_out;
  Buffer plain_in;   // decrypted, as a Connection would hand to its callbacks
  Buffer plain_out;  // written, not yet encrypted
  std::unique_ptr<SslSocket> socket;
  bool connected = false;
  bool closed = false;
  bool end_stream = false;

  void take(const network::TransportResult& r) {
    connected |= r.handshake_complete;
    closed |= r.close;
    end_stream |= r.end_stream;
  }
};

// Client and server exchanging bytes through memory, `chunk` bytes at a time (1: every
// record arrives split into single bytes).
class TlsPair {
 public:
  TlsPair(std::shared_ptr<const SslContext> client_ctx,
          std::shared_ptr<const SslContext> server_ctx, std::string session_key = "upstream") {
    client.socket = std::make_unique<SslSocket>(std::move(client_ctx), std::move(session_key));
    server.socket = std::make_unique<SslSocket>(std::move(server_ctx), "");
    client.socket->bind(client.raw_in, client.raw_out);
    server.socket->bind(server.raw_in, server.raw_out);
    client.take(client.socket->startHandshake());
    server.take(server.socket->startHandshake());
  }

  // Moves bytes both ways until nothing moves.
  void pump(size_t chunk = SIZE_MAX) {
    for (int round = 0; round < 10000; ++round) {
      bool moved = step(client, server, chunk);
      moved |= step(server, client, chunk);
      if (!moved) return;
    }
    ADD_FAILURE() << "TLS pair did not settle";
  }

  bool handshake(size_t chunk = SIZE_MAX) {
    pump(chunk);
    return client.connected && server.connected && !client.closed && !server.closed;
  }

  Side client;
  Side server;

 private:
  static bool step(Side& from, Side& to, size_t chunk) {
    bool moved = false;
    if (!from.closed && !from.plain_out.empty()) {
      from.take(from.socket->doWrite(from.plain_out));
    }
    while (!from.raw_out.empty() && !to.closed) {
      to.raw_in.move(from.raw_out, std::min(chunk, from.raw_out.length()));
      to.take(to.socket->doRead(to.plain_in));
      moved = true;
    }
    return moved;
  }
};

}  // namespace meshproxy::tls::testing
