#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace meshproxy::filters::jwt_authn {

// The JWS algorithms meshproxy verifies (RFC 7518, RFC 8037), as Envoy does. "none" is not one.
enum class JwtAlgorithm : uint8_t {
  kRS256,
  kRS384,
  kRS512,
  kPS256,
  kPS384,
  kPS512,
  kES256,
  kES384,
  kES512,
  kHS256,
  kHS384,
  kHS512,
  kEdDSA,
};

// The key a JWK must be to verify an algorithm's signatures.
enum class KeyType : uint8_t { kRsa, kEc, kOkp, kOct };

std::optional<JwtAlgorithm> parseJwtAlgorithm(std::string_view name);
std::string_view jwtAlgorithmName(JwtAlgorithm alg);
KeyType keyTypeFor(JwtAlgorithm alg);
// The hash size in bits (256, 384, 512); 0 for EdDSA, which hashes internally.
uint32_t hashBits(JwtAlgorithm alg);
// ES*: the curve's byte size (32, 48, 66), each of r and s in a JOSE signature; 0 otherwise.
uint32_t ecCoordinateBytes(JwtAlgorithm alg);

}  // namespace meshproxy::filters::jwt_authn
