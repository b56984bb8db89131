#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "proxy/tls/openssl_ptr.h"

// X.509 parsing and the facts meshproxy reads from certificates (SANs, subject, digests,
// validity). Config-time and handshake-time helpers; none of them keeps state.
namespace meshproxy::tls {

// Every certificate in a PEM bundle, in order. An empty or unreadable bundle is an error.
absl::StatusOr<std::vector<X509Ptr>> parsePemCertificates(std::string_view pem);
// One private key (PKCS#8, traditional RSA/EC; not encrypted).
absl::StatusOr<EvpPkeyPtr> parsePemPrivateKey(std::string_view pem);
// True when `key` is the private half of `cert`'s public key.
bool privateKeyMatches(X509* cert, EVP_PKEY* key);

// Calls f(type, value) for each subject alternative name, type being "uri", "dns", "email"
// or "ip_address", until f returns false.
void forEachSubjectAltName(X509* cert,
                           absl::FunctionRef<bool(std::string_view, std::string_view)> f);
std::vector<std::string> uriSans(X509* cert);
std::vector<std::string> dnsSans(X509* cert);
// RFC 2253 ("CN=workload,O=example"), as Envoy prints subjects.
std::string subjectRfc2253(X509* cert);
// Lower-case hex SHA-256 of the DER encoding.
std::string sha256Hex(X509* cert);
std::string toPem(X509* cert);
// Percent-encodes everything but unreserved characters (RFC 3986), as XFCC Cert= needs.
std::string urlEncode(std::string_view text);

// What /certs shows about one certificate.
struct CertificateInfo {
  std::string source;         // file path, "<inline>", or "sds:<secret name>"
  std::string serial_number;  // lower-case hex
  // ("uri" | "dns" | "ip_address" | "email", value)
  std::vector<std::pair<std::string, std::string>> subject_alt_names;
  std::chrono::system_clock::time_point valid_from;
  std::chrono::system_clock::time_point expiration_time;
};
CertificateInfo describeCertificate(X509* cert, std::string source);

}  // namespace meshproxy::tls
