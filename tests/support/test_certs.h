// Certificates made on the fly for TLS tests (OpenSSL APIs; EC P-256, SHA-256). Nothing here
// is committed: every test generates its own CA and keys, in memory or in its TempDir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace meshproxy::testing {

struct CertAndKey {
  std::string cert_pem;
  std::string key_pem;
};

struct CertOptions {
  std::string common_name = "workload";
  std::vector<std::string> uri_sans;  // "spiffe://cluster.local/ns/default/sa/frontend"
  std::vector<std::string> dns_sans;
  // Validity relative to now, in seconds (both negative: an expired certificate).
  int64_t not_before_s = -3600;
  int64_t not_after_s = 30 * 24 * 3600;
  // 0: a random serial.
  uint64_t serial = 0;
};

// A self-signed root that issues leaf certificates.
class TestCa {
 public:
  explicit TestCa(std::string common_name = "meshproxy test root");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& certPem() const { return root_.cert_pem; }
  const std::string& keyPem() const { return root_.key_pem; }
  // A leaf (serverAuth + clientAuth) signed by this CA.
  CertAndKey issue(const CertOptions& options) const;

 private:
  CertAndKey root_;
  void* key_ = nullptr;   // EVP_PKEY*
  void* cert_ = nullptr;  // X509*
};

// A fresh private key that belongs to no certificate (for mismatch tests).
std::string generateKeyPem();

}  // namespace meshproxy::testing
