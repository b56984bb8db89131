// JWK Set parsing: each key type, RFC 7517's "skip what you cannot use", malformed sets.

#include "proxy/filters/http/jwt_authn/jwks.h"

#include <gtest/gtest.h>

#include "proxy/filters/http/jwt_authn/base64url.h"
#include "tests/unit/jwt_authn/pyjwt_fixture.h"

namespace meshproxy::filters::jwt_authn {
namespace {

using jwt_test::KeySpec;

class JwksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    std::map<std::string, KeySpec> keys = {
        {"rsa1024", {jwt_test::makeKey(*dir_, "rsa1024", "rsa1024"), R"("kid": "small")"}},
        {"rsa", {jwt_test::makeKey(*dir_, "rsa", "rsa2048"), R"("kid": "rsa", "use": "sig")"}},
        {"p256", {jwt_test::makeKey(*dir_, "p256", "P-256"), R"("kid": "p256")"}},
        {"p521", {jwt_test::makeKey(*dir_, "p521", "P-521"), R"("kid": "p521", "alg": "ES512")"}},
        {"ed", {jwt_test::makeKey(*dir_, "ed", "ed25519"), R"("kid": "ed")"}},
        {"hs", {jwt_test::makeKey(*dir_, "hs", "secret32"), R"("kid": "hs", "alg": "HS256")"}},
    };
    signed_ = new jwt_test::Signed(jwt_test::signWithPyJwt(*dir_, keys, {}));
  }
  static void TearDownTestSuite() {
    delete signed_;
    delete dir_;
  }
  static std::string jwk(const std::string& name) { return signed_->jwks.at(name); }
  static std::string set(const std::vector<std::string>& jwks) {
    std::string out = R"({"keys": [)";
    for (size_t i = 0; i < jwks.size(); ++i) out += (i ? "," : "") + jwks[i];
    return out + "]}";
  }

  static testing::TempDir* dir_;
  static jwt_test::Signed* signed_;
};
testing::TempDir* JwksTest::dir_ = nullptr;
jwt_test::Signed* JwksTest::signed_ = nullptr;

TEST_F(JwksTest, EveryKeyTypeFromPyJwt) {
  Jwks jwks;
  ASSERT_EQ(Jwks::parse(set({jwk("rsa"), jwk("p256"), jwk("p521"), jwk("ed"), jwk("hs")}), &jwks),
            JwtStatus::kOk);
  ASSERT_EQ(jwks.keys().size(), 5u) << (jwks.skipped().empty() ? "" : jwks.skipped()[0]);
  EXPECT_EQ(jwks.keys()[0].kty, KeyType::kRsa);
  EXPECT_EQ(jwks.keys()[0].kid, "rsa");
  EXPECT_EQ(jwks.keys()[1].kty, KeyType::kEc);
  EXPECT_EQ(jwks.keys()[1].curve_alg, JwtAlgorithm::kES256);
  EXPECT_FALSE(jwks.keys()[1].alg.has_value());
  EXPECT_EQ(jwks.keys()[2].curve_alg, JwtAlgorithm::kES512);
  EXPECT_EQ(jwks.keys()[2].alg, JwtAlgorithm::kES512);
  EXPECT_EQ(jwks.keys()[3].kty, KeyType::kOkp);
  EXPECT_EQ(jwks.keys()[4].kty, KeyType::kOct);
  EXPECT_EQ(jwks.keys()[4].secret.size(), 32u);
  EXPECT_TRUE(jwks.skipped().empty());
}

TEST_F(JwksTest, UnusableKeysAreSkippedWithAReason) {
  std::string off_curve = jwk("p256");
  {
    // Flip a bit of y: the point leaves the curve.
    google::protobuf::Struct s;
    ASSERT_TRUE(protobuf::jsonToMessage(off_curve, &s).ok());
    std::string y;
    ASSERT_TRUE(base64UrlDecode(s.fields().at("y").string_value(), &y));
    y[5] ^= 0x10;
    off_curve = jwt_test::withMember(off_curve, "y", "\"" + base64UrlEncode(y) + "\"");
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {jwk("rsa1024"), "under 2048"},
      {R"({"kty":"EC2","kid":"x"})", "unsupported kty 'EC2'"},
      {R"({"kid":"x"})", "[kty] is missing"},
      {jwt_test::withMember(jwk("rsa"), "use", R"("enc")"), "[use] is 'enc'"},
      {jwt_test::withMember(jwk("rsa"), "alg", R"("RSA-OAEP")"), "unsupported alg 'RSA-OAEP'"},
      {jwt_test::withMember(jwk("rsa"), "alg", R"("ES256")"), "does not fit kty"},
      {jwt_test::withMember(jwk("p256"), "alg", R"("ES384")"), "[alg] does not match [crv]"},
      {jwt_test::withMember(jwk("p256"), "crv", R"("secp256k1")"), "unsupported EC crv"},
      {off_curve, "not a point of the curve"},
      {jwt_test::withMember(jwk("ed"), "crv", R"("Ed448")"), "unsupported OKP crv"},
      {jwt_test::withMember(jwk("ed"), "x", R"("AAAA")"), "[x] is not 32 bytes"},
      {jwt_test::withMember(jwk("rsa"), "n", R"("a+b")"), "[n] is not base64url"},
      {jwt_test::withMember(jwk("rsa"), "e", "7"), "[e] is missing or not a string"},
      {R"({"kty":"oct"})", "[k] is missing"},
      {jwt_test::withMember(jwk("hs"), "kid", "1"), "[kid] is not a string"},
      {R"("a string")", "not an object"},
  };
  for (const auto& [key, reason] : bad) {
    Jwks jwks;
    ASSERT_EQ(Jwks::parse(set({key, jwk("ed")}), &jwks), JwtStatus::kOk) << key;
    EXPECT_EQ(jwks.keys().size(), 1u) << key;
    ASSERT_EQ(jwks.skipped().size(), 1u) << key;
    EXPECT_NE(jwks.skipped()[0].find(reason), std::string::npos)
        << key << " -> " << jwks.skipped()[0];
    // Alone, the set has no usable key.
    EXPECT_EQ(Jwks::parse(set({key}), &jwks), JwtStatus::kJwksNoValidKeys) << key;
  }
}

TEST_F(JwksTest, PaddedMembersAreTolerated) {
  google::protobuf::Struct s;
  ASSERT_TRUE(protobuf::jsonToMessage(jwk("rsa"), &s).ok());
  std::string n = s.fields().at("n").string_value();
  while (n.size() % 4) n += '=';
  Jwks jwks;
  EXPECT_EQ(Jwks::parse(set({jwt_test::withMember(jwk("rsa"), "n", "\"" + n + "\"")}), &jwks),
            JwtStatus::kOk);
}

TEST_F(JwksTest, MalformedSets) {
  Jwks jwks;
  EXPECT_EQ(Jwks::parse("", &jwks), JwtStatus::kJwksParseError);
  EXPECT_EQ(Jwks::parse("{", &jwks), JwtStatus::kJwksParseError);
  EXPECT_EQ(Jwks::parse("[]", &jwks), JwtStatus::kJwksParseError);
  EXPECT_EQ(Jwks::parse(jwk("rsa") + "x", &jwks), JwtStatus::kJwksParseError);
  EXPECT_EQ(Jwks::parse(jwk("rsa"), &jwks), JwtStatus::kJwksNoKeys);  // a JWK, not a set
  EXPECT_EQ(Jwks::parse(R"({"keys": {}})", &jwks), JwtStatus::kJwksBadKeys);
  EXPECT_EQ(Jwks::parse(R"({"keys": []})", &jwks), JwtStatus::kJwksNoValidKeys);
  // A PEM public key is not a JWKS (Envoy's local_jwks takes JWKS JSON).
  EXPECT_EQ(Jwks::parse("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", &jwks),
            JwtStatus::kJwksParseError);
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
