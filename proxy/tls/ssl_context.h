#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/tls/certificate.h"
#include "proxy/tls/openssl_ptr.h"
#include "proxy/tls/ssl_stats.h"
#include "proxy/tls/tls_context_config.h"
#include "proxy/tls/tls_material.h"

namespace meshproxy::tls {

// One OpenSSL SSL_CTX built from a TlsContextConfig and the certificates it names, with the
// verification rules meshproxy applies (trust chain, then SANs) and the session caches.
// Immutable once built and shared by every worker; a rotation builds a new one (existing
// connections keep theirs through their SslSocket's reference).
class SslContext {
 public:
  struct Inputs {
    std::shared_ptr<const TlsContextConfig> config;
    std::shared_ptr<const SslStats> stats;
    std::shared_ptr<const CertificateMaterial> certificate;  // null: no certificate (client)
    std::shared_ptr<const ValidationMaterial> validation;    // null: peer not verified
    // The SDS part of a combined validation context, merged into `validation`.
    std::shared_ptr<const ValidationMaterial> validation_sds;
    // The context this one replaces: its session ticket keys are carried over, so tickets
    // issued before a certificate rotation still resume.
    const SslContext* previous = nullptr;
  };

  static absl::StatusOr<std::shared_ptr<const SslContext>> create(Inputs inputs);
  ~SslContext();
  SslContext(const SslContext&) = delete;
  SslContext& operator=(const SslContext&) = delete;

  SSL_CTX* sslCtx() const { return ctx_.get(); }
  const TlsContextConfig& config() const { return *inputs_.config; }
  const SslStats& stats() const { return *inputs_.stats; }
  // Our certificate's URI SANs (XFCC By=).
  const std::vector<std::string>& localUriSans() const { return local_uri_sans_; }

  // Client session cache, per upstream address (handshake time; any worker).
  SslSessionPtr findSession(std::string_view key) const;
  void storeSession(std::string_view key, SSL_SESSION* session) const;

  // For /certs and server.days_until_first_cert_expiring.
  const std::vector<CertificateInfo>& certificateChainInfo() const { return chain_info_; }
  const std::vector<CertificateInfo>& caCertificateInfo() const { return ca_info_; }

 private:
  explicit SslContext(Inputs inputs) : inputs_(std::move(inputs)) {}
  absl::Status build();
  absl::Status applyParameters();
  absl::Status applyCertificate();
  void applyValidation();
  void applySessions();
  static int verifyCertChain(X509_STORE_CTX* store_ctx, void* arg);
  static int onNewSession(SSL* ssl, SSL_SESSION* session);
  static int selectAlpn(SSL* ssl, const unsigned char** out, unsigned char* out_len,
                        const unsigned char* in, unsigned int in_len, void* arg);

  Inputs inputs_;
  SslCtxPtr ctx_;
  std::vector<const SanMatcher*> san_matchers_;
  std::vector<std::string> local_uri_sans_;
  std::vector<CertificateInfo> chain_info_;
  std::vector<CertificateInfo> ca_info_;
  mutable std::mutex sessions_mu_;
  mutable absl::flat_hash_map<std::string, SslSessionPtr> sessions_;
};

// What the context's callbacks learn about one handshake. Owned by the connection's
// SslSocket and attached to its SSL object.
struct HandshakeRecord {
  std::string session_key;     // client: where resumption sessions are cached
  std::string verify_failure;  // why the peer's certificate was refused

  static void attach(SSL* ssl, HandshakeRecord* record);
  static HandshakeRecord* of(const SSL* ssl);
};

}  // namespace meshproxy::tls
