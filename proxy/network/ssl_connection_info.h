#pragma once

#include <string>
#include <vector>

namespace meshproxy::network {

// A TLS connection's session and identities, fixed once the handshake completes. Shared
// (shared_ptr) so that access logs and headers can keep pointing at its strings after the
// connection itself has gone.
class SslConnectionInfo {
 public:
  virtual ~SslConnectionInfo() = default;

  virtual const std::string& protocol() const = 0;  // "TLSv1.3"
  virtual const std::string& cipher() const = 0;
  virtual const std::string& alpn() const = 0;
  // Server side: the SNI the client asked for. Client side: the SNI we sent.
  virtual const std::string& serverName() const = 0;
  virtual bool sessionReused() const = 0;

  virtual bool peerCertificatePresented() const = 0;
  // All URI SANs (SPIFFE IDs), and the first one ("" if none) for logs.
  virtual const std::vector<std::string>& peerUriSans() const = 0;
  virtual const std::string& peerUriSan() const = 0;
  virtual const std::vector<std::string>& peerDnsSans() const = 0;
  // RFC 2253, as Envoy prints it ("CN=foo,O=bar").
  virtual const std::string& peerSubject() const = 0;
  // Hex SHA-256 of the peer certificate's DER (x-forwarded-client-cert Hash=).
  virtual const std::string& peerCertSha256() const = 0;
  // URL-encoded PEM of the peer certificate / its whole chain (XFCC Cert= and Chain=).
  virtual std::string urlEncodedPeerCertPem() const = 0;
  virtual std::string urlEncodedPeerChainPem() const = 0;

  // Our own certificate's URI SANs (XFCC By=).
  virtual const std::vector<std::string>& localUriSans() const = 0;
};

}  // namespace meshproxy::network
