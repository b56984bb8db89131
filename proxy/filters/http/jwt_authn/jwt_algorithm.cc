#include "proxy/filters/http/jwt_authn/jwt_algorithm.h"

#include <array>
#include <utility>

namespace meshproxy::filters::jwt_authn {
namespace {

constexpr std::array<std::pair<std::string_view, JwtAlgorithm>, 13> kNames = {{
    {"RS256", JwtAlgorithm::kRS256},
    {"RS384", JwtAlgorithm::kRS384},
    {"RS512", JwtAlgorithm::kRS512},
    {"PS256", JwtAlgorithm::kPS256},
    {"PS384", JwtAlgorithm::kPS384},
    {"PS512", JwtAlgorithm::kPS512},
    {"ES256", JwtAlgorithm::kES256},
    {"ES384", JwtAlgorithm::kES384},
    {"ES512", JwtAlgorithm::kES512},
    {"HS256", JwtAlgorithm::kHS256},
    {"HS384", JwtAlgorithm::kHS384},
    {"HS512", JwtAlgorithm::kHS512},
    {"EdDSA", JwtAlgorithm::kEdDSA},
}};

}  // namespace

std::optional<JwtAlgorithm> parseJwtAlgorithm(std::string_view name) {
  for (const auto& [n, alg] : kNames) {
    if (n == name) return alg;
  }
  return std::nullopt;
}

std::string_view jwtAlgorithmName(JwtAlgorithm alg) {
  for (const auto& [n, a] : kNames) {
    if (a == alg) return n;
  }
  return "";
}

KeyType keyTypeFor(JwtAlgorithm alg) {
  switch (alg) {
    case JwtAlgorithm::kRS256:
    case JwtAlgorithm::kRS384:
    case JwtAlgorithm::kRS512:
    case JwtAlgorithm::kPS256:
    case JwtAlgorithm::kPS384:
    case JwtAlgorithm::kPS512:
      return KeyType::kRsa;
    case JwtAlgorithm::kES256:
    case JwtAlgorithm::kES384:
    case JwtAlgorithm::kES512:
      return KeyType::kEc;
    case JwtAlgorithm::kHS256:
    case JwtAlgorithm::kHS384:
    case JwtAlgorithm::kHS512:
      return KeyType::kOct;
    case JwtAlgorithm::kEdDSA:
      return KeyType::kOkp;
  }
  return KeyType::kOct;
}

uint32_t hashBits(JwtAlgorithm alg) {
  switch (alg) {
    case JwtAlgorithm::kRS256:
    case JwtAlgorithm::kPS256:
    case JwtAlgorithm::kES256:
    case JwtAlgorithm::kHS256:
      return 256;
    case JwtAlgorithm::kRS384:
    case JwtAlgorithm::kPS384:
    case JwtAlgorithm::kES384:
    case JwtAlgorithm::kHS384:
      return 384;
    case JwtAlgorithm::kRS512:
    case JwtAlgorithm::kPS512:
    case JwtAlgorithm::kES512:
    case JwtAlgorithm::kHS512:
      return 512;
    case JwtAlgorithm::kEdDSA:
      return 0;
  }
  return 0;
}

uint32_t ecCoordinateBytes(JwtAlgorithm alg) {
  switch (alg) {
    case JwtAlgorithm::kES256:
      return 32;
    case JwtAlgorithm::kES384:
      return 48;
    case JwtAlgorithm::kES512:
      return 66;  // P-521: 521 bits round up to 66 bytes
    default:
      return 0;
  }
}

}  // namespace meshproxy::filters::jwt_authn
