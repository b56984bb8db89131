// libFuzzer target: the JWK Set parser (proxy/filters/http/jwt_authn/jwks), the input a
// remote_jwks server or a local_jwks file supplies.
//
// Besides not crashing, every key kept is usable for its type (an EVP_PKEY for RSA/EC/OKP of
// the right kind, a secret for oct), a set with no key is an error, and a fixed token never
// verifies with keys the fuzzer made up unless they are the token's own key (an oct key whose
// secret is the one the token was signed with is allowed to verify it).
//
// Built as <name>_replay (seeds + deterministic variants, every build) and, with clang and
// -DMESHPROXY_FUZZ=ON, as a libFuzzer binary: see tests/fuzz/CMakeLists.txt.

#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "proxy/filters/http/jwt_authn/jwks.h"
#include "proxy/filters/http/jwt_authn/jwt.h"
#include "proxy/filters/http/jwt_authn/signature_verifier.h"

namespace {

using namespace meshproxy::filters::jwt_authn;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

bool rightKind(const Jwk& key) {
  switch (key.kty) {
    case KeyType::kRsa:
      return key.pkey && EVP_PKEY_get_base_id(key.pkey.get()) == EVP_PKEY_RSA &&
             EVP_PKEY_get_bits(key.pkey.get()) >= 2048;
    case KeyType::kEc:
      return key.pkey && EVP_PKEY_get_base_id(key.pkey.get()) == EVP_PKEY_EC && key.curve_alg;
    case KeyType::kOkp:
      return key.pkey && EVP_PKEY_get_base_id(key.pkey.get()) == EVP_PKEY_ED25519;
    case KeyType::kOct:
      return !key.secret.empty();
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  Jwks jwks;
  const JwtStatus status = Jwks::parse(json, &jwks);
  (void)jwtStatusMessage(status);
  if (status != JwtStatus::kOk) {
    check(jwks.keys().empty(), "no keys on error");
    return 0;
  }
  check(!jwks.keys().empty(), "a set that parsed has a key");
  for (const Jwk& key : jwks.keys()) check(rightKind(key), "every kept key fits its kty");

  // ES256 and EdDSA tokens whose keys the fuzzer does not have: they must not verify.
  static const char* kTokens[] = {
      "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0."
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0."
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  };
  for (const char* t : kTokens) {
    Jwt jwt;
    if (parseJwt(t, &jwt) == JwtStatus::kOk) {
      check(verifySignature(jwt, jwks) != JwtStatus::kOk, "an all-zero signature never verifies");
    }
  }
  return 0;
}
