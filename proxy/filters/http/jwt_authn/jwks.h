#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/filters/http/jwt_authn/jwt_algorithm.h"
#include "proxy/filters/http/jwt_authn/jwt_status.h"
#include "proxy/tls/openssl_ptr.h"

namespace meshproxy::filters::jwt_authn {

// One usable key of a JWK Set (RFC 7517), ready for OpenSSL: the public key of an RSA, EC
// (P-256/384/521) or OKP (Ed25519) JWK, or the secret of an oct JWK.
struct Jwk {
  std::string kid;                  // "" when absent
  std::optional<JwtAlgorithm> alg;  // the JWK's "alg", when given: only that algorithm may use it
  KeyType kty = KeyType::kRsa;
  std::optional<JwtAlgorithm> curve_alg;  // EC: the ES* algorithm of its curve (P-256: ES256)
  tls::EvpPkeyPtr pkey;                   // RSA, EC, OKP
  std::string secret;                     // oct
};

// A parsed JWK Set, immutable once built and shared by every worker (EVP_PKEY verification
// is safe from several threads). Keys this code cannot use (an unknown "kty", "crv" or "alg", a
// "use" other than "sig", missing or malformed members, an RSA modulus under 2048 bits) are
// skipped as RFC 7517 section 5 says, and described in skipped(); a set with no usable key is
// an error.
class Jwks {
 public:
  // `json` is a JWK Set ({"keys": [...]}).
  static JwtStatus parse(std::string_view json, Jwks* out);

  const std::vector<Jwk>& keys() const { return keys_; }
  // "key 2 (kid 'a'): unsupported kty 'EC2'", for logs and config errors.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  std::vector<Jwk> keys_;
  std::vector<std::string> skipped_;
};

}  // namespace meshproxy::filters::jwt_authn
