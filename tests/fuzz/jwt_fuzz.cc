// libFuzzer target: the compact JWS parser and what runs on a parsed token
// (proxy/filters/http/jwt_authn: parseJwt, checkClaims, verifySignature).
//
// Input: a token as a client would send it. Besides not crashing (ASan/UBSan), a token that
// parses must re-assemble to itself from its parts (the signed data is exactly the first two
// segments, the signature is the canonical encoding of the third), and no token may verify
// against the fixed key set (the fuzzer cannot forge HMAC-SHA256 or an Ed25519 signature).
//
// Built as <name>_replay (seeds + deterministic variants, every build) and, with clang and
// -DMESHPROXY_FUZZ=ON, as a libFuzzer binary: see tests/fuzz/CMakeLists.txt.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/filters/http/jwt_authn/base64url.h"
#include "proxy/filters/http/jwt_authn/claims_checker.h"
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

const Jwks& keys() {
  static const Jwks* jwks = [] {
    auto* out = new Jwks();
    // An oct key (HS256..512) and an Ed25519 key, both with and without kid.
    Jwks::parse(R"({"keys":[
      {"kty":"oct","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg"},
      {"kty":"oct","kid":"k","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
      {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})",
                out);
    check(out->keys().size() == 3, "the fixed key set parses");
    return out;
  }();
  return *jwks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  Jwt jwt;
  const JwtStatus status = parseJwt(token, &jwt);
  (void)jwtStatusMessage(status);
  if (status != JwtStatus::kOk) return 0;

  check(jwt.token == token, "token kept as received");
  const std::string rebuilt = std::string(jwt.signedData()) + "." + base64UrlEncode(jwt.signature);
  check(rebuilt == token, "header.payload.signature re-assembles to the token");
  check(jwt.headerBase64Url().size() + 1 + jwt.payloadBase64Url().size() == jwt.signedData().size(),
        "segments cover the signed data");

  ClaimRules rules;
  rules.issuer = jwt.iss;
  rules.audiences = std::make_shared<const AudienceChecker>(jwt.audiences);
  rules.max_lifetime_seconds = 3600;
  for (uint64_t now : {uint64_t{0}, jwt.exp, jwt.nbf, uint64_t{1} << 62}) {
    (void)checkClaims(jwt, rules, nullptr, now);
  }
  check(verifySignature(jwt, keys()) != JwtStatus::kOk, "no forged token verifies");
  return 0;
}
