#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "proxy/network/ssl_connection_info.h"
#include "proxy/tls/openssl_ptr.h"
#include "proxy/tls/ssl_context.h"

namespace meshproxy::tls {

// The facts of one completed handshake, read from the SSL object once. The PEM forms are
// made only when asked (XFCC Cert=/Chain=), from the certificates kept here.
class SslInfo : public network::SslConnectionInfo {
 public:
  // `context` is the one the handshake used (it knows our own certificate).
  SslInfo(SSL* ssl, std::shared_ptr<const SslContext> context);

  const std::string& protocol() const override { return protocol_; }
  const std::string& cipher() const override { return cipher_; }
  const std::string& alpn() const override { return alpn_; }
  const std::string& serverName() const override { return server_name_; }
  bool sessionReused() const override { return session_reused_; }
  bool peerCertificatePresented() const override { return peer_cert_ != nullptr; }
  const std::vector<std::string>& peerUriSans() const override { return peer_uri_sans_; }
  const std::string& peerUriSan() const override { return peer_uri_san_; }
  const std::vector<std::string>& peerDnsSans() const override { return peer_dns_sans_; }
  const std::string& peerSubject() const override { return peer_subject_; }
  const std::string& peerCertSha256() const override { return peer_cert_sha256_; }
  std::string urlEncodedPeerCertPem() const override;
  std::string urlEncodedPeerChainPem() const override;
  const std::vector<std::string>& localUriSans() const override { return context_->localUriSans(); }

 private:
  std::string protocol_;
  std::string cipher_;
  std::string alpn_;
  std::string server_name_;
  bool session_reused_ = false;
  X509Ptr peer_cert_;
  std::vector<X509Ptr> peer_chain_;
  std::vector<std::string> peer_uri_sans_;
  std::string peer_uri_san_;
  std::vector<std::string> peer_dns_sans_;
  std::string peer_subject_;
  std::string peer_cert_sha256_;
  // Kept alive with this object: access logs may outlive the connection.
  std::shared_ptr<const SslContext> context_;
};

}  // namespace meshproxy::tls
