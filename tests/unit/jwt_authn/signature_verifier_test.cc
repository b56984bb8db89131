// JWS signature verification against tokens signed by PyJWT with keys made by openssl: every
// algorithm, kid selection and rotation, alg pinning, tampering.

#include "proxy/filters/http/jwt_authn/signature_verifier.h"

#include <gtest/gtest.h>

#include <memory>

#include "proxy/filters/http/jwt_authn/base64url.h"
#include "tests/unit/jwt_authn/pyjwt_fixture.h"

namespace meshproxy::filters::jwt_authn {
namespace {

using jwt_test::KeySpec;
using jwt_test::TokenSpec;

constexpr const char* kPayload = R"({"iss": "https://issuer.example", "sub": "alice"})";

// Token indexes into Suite::signed_->tokens.
enum Token : size_t {
  kRs256,
  kRs384,
  kRs512,
  kPs256,
  kPs384,
  kPs512,
  kEs256,
  kEs384,
  kEs512,
  kEdDsa,
  kHs256,
  kHs384,
  kHs512,
  kRs256KidB,
  kRs256NoKid,
  kRs256UnknownKid,
  kEs256KidP256,
  kHs256Short,
  kCount
};

class SignatureVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    std::map<std::string, KeySpec> keys = {
        {"rsa_a", {jwt_test::makeKey(*dir_, "rsa_a", "rsa2048"), R"("kid": "a")"}},
        {"rsa_b", {jwt_test::makeKey(*dir_, "rsa_b", "rsa2048"), R"("kid": "b")"}},
        {"p256", {jwt_test::makeKey(*dir_, "p256", "P-256"), R"("kid": "p256")"}},
        {"p384", {jwt_test::makeKey(*dir_, "p384", "P-384"), R"("kid": "p384")"}},
        {"p521", {jwt_test::makeKey(*dir_, "p521", "P-521"), R"("kid": "p521")"}},
        {"ed", {jwt_test::makeKey(*dir_, "ed", "ed25519"), R"("kid": "ed")"}},
        {"hs", {jwt_test::makeKey(*dir_, "hs", "secret64"), R"("kid": "hs")"}},
        {"hs_short", {jwt_test::makeKey(*dir_, "hs_short", "secret16"), R"("kid": "hs_short")"}},
    };
    auto kid = [](const char* k) { return std::string(R"({"kid": ")") + k + "\"}"; };
    std::vector<TokenSpec> tokens(kCount);
    tokens[kRs256] = {"rsa_a", "RS256", kPayload, kid("a")};
    tokens[kRs384] = {"rsa_a", "RS384", kPayload, kid("a")};
    tokens[kRs512] = {"rsa_a", "RS512", kPayload, kid("a")};
    tokens[kPs256] = {"rsa_a", "PS256", kPayload, kid("a")};
    tokens[kPs384] = {"rsa_a", "PS384", kPayload, kid("a")};
    tokens[kPs512] = {"rsa_a", "PS512", kPayload, kid("a")};
    tokens[kEs256] = {"p256", "ES256", kPayload, kid("p256")};
    tokens[kEs384] = {"p384", "ES384", kPayload, kid("p384")};
    tokens[kEs512] = {"p521", "ES512", kPayload, kid("p521")};
    tokens[kEdDsa] = {"ed", "EdDSA", kPayload, kid("ed")};
    tokens[kHs256] = {"hs", "HS256", kPayload, kid("hs")};
    tokens[kHs384] = {"hs", "HS384", kPayload, kid("hs")};
    tokens[kHs512] = {"hs", "HS512", kPayload, kid("hs")};
    tokens[kRs256KidB] = {"rsa_b", "RS256", kPayload, kid("b")};
    tokens[kRs256NoKid] = {"rsa_b", "RS256", kPayload, "{}"};
    tokens[kRs256UnknownKid] = {"rsa_b", "RS256", kPayload, kid("c")};
    tokens[kEs256KidP256] = {"p256", "ES256", kPayload, "{}"};
    tokens[kHs256Short] = {"hs_short", "HS256", kPayload, kid("hs_short")};
    signed_ = new jwt_test::Signed(jwt_test::signWithPyJwt(*dir_, keys, tokens));
  }
  static void TearDownTestSuite() {
    delete signed_;
    delete dir_;
  }

  static Jwks jwks(const std::vector<std::string>& names) {
    Jwks out;
    const std::string json = signed_->jwksJson(names);
    EXPECT_EQ(Jwks::parse(json, &out), JwtStatus::kOk) << json;
    return out;
  }
  static Jwt token(Token t) {
    Jwt jwt;
    EXPECT_EQ(parseJwt(signed_->tokens.at(t), &jwt), JwtStatus::kOk) << signed_->tokens.at(t);
    return jwt;
  }
  static JwtStatus verify(Token t, const std::vector<std::string>& keys) {
    return verifySignature(token(t), jwks(keys));
  }

  static testing::TempDir* dir_;
  static jwt_test::Signed* signed_;
};
testing::TempDir* SignatureVerifierTest::dir_ = nullptr;
jwt_test::Signed* SignatureVerifierTest::signed_ = nullptr;

TEST_F(SignatureVerifierTest, EveryAlgorithmVerifiesPyJwtTokens) {
  ASSERT_EQ(signed_->tokens.size(), kCount);
  const std::vector<std::string> all = {"rsa_a", "rsa_b", "p256", "p384", "p521", "ed", "hs"};
  for (Token t : {kRs256, kRs384, kRs512, kPs256, kPs384, kPs512, kEs256, kEs384, kEs512, kEdDsa,
                  kHs256, kHs384, kHs512}) {
    EXPECT_EQ(verify(t, all), JwtStatus::kOk) << "token " << t;
  }
}

TEST_F(SignatureVerifierTest, EachAlgorithmFailsWithAnotherKeyOfItsType) {
  // Other key material under the token's kid: the key is selected and the signature fails.
  const std::vector<std::pair<Token, std::string>> cases = {
      {kRs256, "rsa_b"}, {kPs512, "rsa_b"}, {kEs256, "p256"}, {kEdDsa, "ed"}, {kHs256, "hs"}};
  for (const auto& [t, other] : cases) {
    Jwt jwt = token(t);
    std::string jwk = jwt_test::withMember(signed_->jwks.at(other), "kid", "\"impostor\"");
    jwt.kid = "impostor";
    Jwks set;
    ASSERT_EQ(Jwks::parse(std::string(R"({"keys": [)") + jwk + "]}", &set), JwtStatus::kOk);
    if (t == kRs256 || t == kPs512) {
      EXPECT_EQ(verifySignature(jwt, set), JwtStatus::kJwtVerificationFail) << "token " << t;
    } else {
      // Same key: verifies (the control for the RSA cases above).
      EXPECT_EQ(verifySignature(jwt, set), JwtStatus::kOk) << "token " << t;
    }
  }
}

TEST_F(SignatureVerifierTest, KidSelectsTheKeyAndRotationNeedsTheNewKey) {
  // Old set has only "a"; a token signed by the new key "b" names a kid the set lacks.
  EXPECT_EQ(verify(kRs256KidB, {"rsa_a"}), JwtStatus::kJwksKidAlgMismatch);
  // After rotation (both keys published), both old and new tokens verify.
  EXPECT_EQ(verify(kRs256KidB, {"rsa_a", "rsa_b"}), JwtStatus::kOk);
  EXPECT_EQ(verify(kRs256, {"rsa_a", "rsa_b"}), JwtStatus::kOk);
  // After the old key is retired, old tokens no longer verify.
  EXPECT_EQ(verify(kRs256, {"rsa_b"}), JwtStatus::kJwksKidAlgMismatch);
  // A kid no key has.
  EXPECT_EQ(verify(kRs256UnknownKid, {"rsa_a", "rsa_b"}), JwtStatus::kJwksKidAlgMismatch);
}

TEST_F(SignatureVerifierTest, TokenWithoutKidTriesEveryKeyOfTheRightType) {
  EXPECT_EQ(verify(kRs256NoKid, {"rsa_a", "rsa_b"}), JwtStatus::kOk);
  EXPECT_EQ(verify(kRs256NoKid, {"rsa_a"}), JwtStatus::kJwtVerificationFail);
  EXPECT_EQ(verify(kEs256KidP256, {"p384", "p256"}), JwtStatus::kOk);
}

TEST_F(SignatureVerifierTest, KeyAlgPinsTheAlgorithm) {
  // The JWK says RS384: an RS256 token may not use it, even with the right key material.
  std::string jwk = jwt_test::withMember(signed_->jwks.at("rsa_a"), "alg", R"("RS384")");
  Jwks pinned;
  ASSERT_EQ(Jwks::parse(std::string(R"({"keys": [)") + jwk + "]}", &pinned), JwtStatus::kOk);
  EXPECT_EQ(verifySignature(token(kRs256), pinned), JwtStatus::kJwksKidAlgMismatch);
  EXPECT_EQ(verifySignature(token(kRs384), pinned), JwtStatus::kOk);
}

TEST_F(SignatureVerifierTest, KeyTypeMustFitTheAlgorithm) {
  // An HS256 token "signed" with an RSA key's public modulus as HMAC secret (the classic
  // algorithm confusion) finds no oct key and fails: RSA keys never serve HMAC.
  Jwt forged = token(kRs256);
  std::string header = R"({"alg":"HS256","kid":"a"})";
  std::string t = base64UrlEncode(header) + "." + std::string(forged.payloadBase64Url()) + ".AAAA";
  Jwt parsed;
  ASSERT_EQ(parseJwt(t, &parsed), JwtStatus::kOk);
  EXPECT_EQ(verifySignature(parsed, jwks({"rsa_a", "p256", "ed"})), JwtStatus::kJwksKidAlgMismatch);
  // An ES384 token with only a P-256 key (curve mismatch).
  EXPECT_EQ(verify(kEs384, {"p256"}), JwtStatus::kJwksKidAlgMismatch);
}

TEST_F(SignatureVerifierTest, HmacKeyShorterThanTheHashIsNotUsed) {
  // PyJWT signs with a 16-byte secret; RFC 7518 wants at least 32 bytes for HS256.
  EXPECT_EQ(verify(kHs256Short, {"hs_short"}), JwtStatus::kJwksKidAlgMismatch);
}

TEST_F(SignatureVerifierTest, TamperedPayloadOrSignatureFails) {
  for (Token t : {kRs256, kPs256, kEs256, kEs512, kEdDsa, kHs256}) {
    const std::string& original = signed_->tokens.at(t);
    const size_t dot1 = original.find('.');
    const size_t dot2 = original.rfind('.');
    // Another payload under the same signature.
    std::string payload = base64UrlEncode(R"({"iss":"https://issuer.example","sub":"mallory"})");
    std::string swapped = original.substr(0, dot1 + 1) + payload + original.substr(dot2);
    Jwt jwt;
    ASSERT_EQ(parseJwt(swapped, &jwt), JwtStatus::kOk);
    const auto keys = jwks({"rsa_a", "p256", "p521", "ed", "hs"});
    EXPECT_EQ(verifySignature(jwt, keys), JwtStatus::kJwtVerificationFail) << "token " << t;
    // One signature bit flipped.
    Jwt flipped = token(t);
    flipped.signature[flipped.signature.size() / 2] ^= 0x01;
    EXPECT_EQ(verifySignature(flipped, keys), JwtStatus::kJwtVerificationFail) << "token " << t;
  }
}

TEST_F(SignatureVerifierTest, SignatureOfTheWrongLength) {
  Jwt es = token(kEs256);
  es.signature.pop_back();
  EXPECT_EQ(verifySignature(es, jwks({"p256"})), JwtStatus::kJwtVerificationFail);
  // A DER signature (what OpenSSL produces natively) is not JOSE's r||s.
  es.signature = std::string("\x30\x44", 2) + std::string(68, '\x01');
  EXPECT_EQ(verifySignature(es, jwks({"p256"})), JwtStatus::kJwtVerificationFail);
  Jwt ed = token(kEdDsa);
  ed.signature += "x";
  EXPECT_EQ(verifySignature(ed, jwks({"ed"})), JwtStatus::kJwtEd25519SignatureWrongLength);
  Jwt hs = token(kHs256);
  hs.signature.pop_back();
  EXPECT_EQ(verifySignature(hs, jwks({"hs"})), JwtStatus::kJwtVerificationFail);
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
