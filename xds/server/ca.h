// mesh-control's certificate authority: an EC P-256 root that signs short-lived workload
// certificates carrying a SPIFFE ID as their only URI SAN. Either kept in a directory
// (created on first start, reused after) or loaded from a certificate and key given by the
// operator. Thread-safe after construction (signing reads the root only).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/tls/openssl_ptr.h"

namespace meshproxy::xds_server {

struct WorkloadCertificate {
  std::string spiffe_id;
  std::string cert_pem;
  std::string key_pem;
  std::string serial;  // hex, upper case, as `openssl x509 -serial` prints it
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

class CertificateAuthority {
 public:
  // DIR/root-cert.pem and DIR/root-key.pem (0600): loaded if both exist, otherwise a new root
  // is generated and written (DIR is created, 0700). One file without the other is an error
  // rather than a silent new root, which would orphan every certificate already issued.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> loadOrCreate(
      const std::string& dir, const std::string& trust_domain);
  // A CA the operator brings: PEM certificate (must be a CA) and its private key.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> load(const std::string& cert_path,
                                                                    const std::string& key_path);

  // A fresh key pair and a certificate for `spiffe_id`, valid from a minute ago (clock skew)
  // for `ttl` (serverAuth and clientAuth: the same certificate serves both directions).
  absl::StatusOr<WorkloadCertificate> issue(const std::string& spiffe_id,
                                            std::chrono::seconds ttl) const;

  const std::string& rootPem() const { return root_pem_; }
  // Hex serial of the root, for logs and tests.
  const std::string& rootSerial() const { return root_serial_; }

 private:
  CertificateAuthority(tls::X509Ptr cert, tls::EvpPkeyPtr key);

  tls::X509Ptr cert_;
  tls::EvpPkeyPtr key_;
  std::string root_pem_;
  std::string root_serial_;
};

}  // namespace meshproxy::xds_server
