#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/tls/openssl_ptr.h"
#include "proxy/tls/san_matcher.h"
#include "proxy/tls/tls_context_config.h"

// Certificates and trust anchors, parsed and checked once on the main thread; immutable after
// that and shared (by shared_ptr) with every SSL context built from them.
namespace meshproxy::tls {

// A certificate chain (leaf first) and the private key of its leaf.
struct CertificateMaterial {
  std::vector<X509Ptr> chain;
  EvpPkeyPtr key;
  // Where it came from: a file path, "<inline>", or "sds:<secret name>".
  std::string source;

  // Parses both and checks that the key belongs to the leaf.
  static absl::StatusOr<std::shared_ptr<const CertificateMaterial>> parse(
      std::string_view chain_pem, std::string_view key_pem, std::string source);
  static absl::StatusOr<std::shared_ptr<const CertificateMaterial>> load(
      const CertificateSpec& spec, std::string source);
};

// Trusted CAs, optional CRLs and SAN matchers.
struct ValidationMaterial {
  std::vector<X509Ptr> trusted_ca;
  std::vector<X509CrlPtr> crls;
  std::vector<SanMatcher> san_matchers;
  std::string source;
  // Identifies the trust configuration: sessions made under another one are not resumed.
  std::string digest;

  // Reads trusted_ca/crl from `spec`; the SAN matchers move in from `matchers` (those of a
  // static spec stay in its config). `identity` (e.g. the serialized SDS resource) goes into
  // the digest besides the PEM bytes.
  static absl::StatusOr<std::shared_ptr<const ValidationMaterial>> load(
      const ValidationSpec& spec, std::vector<SanMatcher> matchers, std::string source,
      std::string_view identity = "");
};

}  // namespace meshproxy::tls
