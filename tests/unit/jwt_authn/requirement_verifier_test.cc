// Requirements evaluated against requests carrying PyJWT-signed tokens: provider_name,
// provider_and_audiences, requires_any, requires_all, allow_missing, allow_missing_or_failed,
// rules and requirement_map, remote JWKS pending and unknown kid.

#include "proxy/filters/http/jwt_authn/requirement_verifier.h"

#include <gtest/gtest.h>

#include "proxy/http/header_map.h"
#include "tests/unit/jwt_authn/jwt_authn_test_util.h"
#include "tests/unit/jwt_authn/pyjwt_fixture.h"

namespace meshproxy::filters::jwt_authn {
namespace {

using jwt_test::KeySpec;
using jwt_test::TokenSpec;

constexpr uint64_t kNow = 1'700'000'000;

enum Token : size_t { kA, kAExpired, kAOtherAud, kB, kC, kAUnknownKid, kCount };

class RequirementVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    std::map<std::string, KeySpec> keys = {
        {"a", {jwt_test::makeKey(*dir_, "a", "P-256"), R"("kid": "a")"}},
        {"b", {jwt_test::makeKey(*dir_, "b", "rsa2048"), R"("kid": "b")"}},
    };
    std::vector<TokenSpec> t(kCount);
    t[kA] = {"a", "ES256",
             R"({"iss": "https://a", "aud": "api", "sub": "alice", "exp": 4000000000})",
             R"({"kid": "a"})"};
    t[kAExpired] = {"a", "ES256", R"({"iss": "https://a", "aud": "api", "exp": 1000})",
                    R"({"kid": "a"})"};
    t[kAOtherAud] = {"a", "ES256", R"({"iss": "https://a", "aud": "other"})", R"({"kid": "a"})"};
    t[kB] = {"b", "RS256", R"({"iss": "https://b", "sub": "bob"})", R"({"kid": "b"})"};
    t[kC] = {"a", "ES256", R"({"iss": "https://c", "aud": "api"})", R"({"kid": "a"})"};
    t[kAUnknownKid] = {"a", "ES256", R"({"iss": "https://a", "aud": "api"})", R"({"kid": "new"})"};
    signed_ = new jwt_test::Signed(jwt_test::signWithPyJwt(*dir_, keys, t));
  }
  static void TearDownTestSuite() {
    delete signed_;
    delete dir_;
  }

  // Providers a (Authorization: Bearer, audience api) and b (x-b-token), plus `extra` YAML.
  static std::string yaml(const std::string& extra) {
    return R"(
providers:
  a:
    issuer: https://a
    audiences: [api]
    local_jwks: {inline_string: ')" +
           signed_->jwksJson({"a"}) + R"('}
  b:
    issuer: https://b
    from_headers: [{name: x-b-token}]
    local_jwks: {inline_string: ')" +
           signed_->jwksJson({"b"}) + R"('}
)" + extra;
  }
  static const std::string& tok(Token t) { return signed_->tokens.at(t); }

  void SetUp() override {
    config_ = jwt_test::mustConfig(yaml(R"(
requirement_map:
  a: {provider_name: a}
  b: {provider_name: b}
  a_for_other: {provider_and_audiences: {provider_name: a, audiences: [other]}}
  any: {requires_any: {requirements: [{provider_name: a}, {provider_name: b}]}}
  all: {requires_all: {requirements: [{provider_name: a}, {provider_name: b}]}}
  allow_missing: {allow_missing: {}}
  allow_failed: {allow_missing_or_failed: {}}
  a_or_missing: {requires_any: {requirements: [{provider_name: a}, {allow_missing: {}}]}}
  none: {}
rules:
- match: {prefix: /public}
- match: {prefix: /api}
  requires: {provider_name: a}
- match: {prefix: /both}
  requirement_name: all
)"));
    ASSERT_NE(config_, nullptr);
    verifier_ = std::make_unique<RequirementVerifier>(*config_);
  }

  VerifyResult verify(const std::string& requirement, const http::HeaderMap& headers) {
    const Requirement* r = config_->namedRequirement(requirement);
    EXPECT_NE(r, nullptr) << requirement;
    return verifier_->verify(*r, headers, LocalJwksLookup(), kNow);
  }
  JwtStatus status(const std::string& requirement, const http::HeaderMap& headers) {
    return verify(requirement, headers).status;
  }
  static http::HeaderMap bearer(Token t) {
    return http::HeaderMap{{":path", "/"}, {"authorization", "Bearer " + tok(t)}};
  }

  static testing::TempDir* dir_;
  static jwt_test::Signed* signed_;
  std::shared_ptr<const JwtAuthnConfig> config_;
  std::unique_ptr<RequirementVerifier> verifier_;
};
testing::TempDir* RequirementVerifierTest::dir_ = nullptr;
jwt_test::Signed* RequirementVerifierTest::signed_ = nullptr;

TEST_F(RequirementVerifierTest, ProviderName) {
  VerifyResult ok = verify("a", bearer(kA));
  EXPECT_EQ(ok.status, JwtStatus::kOk);
  ASSERT_EQ(ok.verified.size(), 1u);
  EXPECT_EQ(ok.verified[0].provider->name, "a");
  EXPECT_EQ(ok.verified[0].jwt->sub, "alice");
  EXPECT_EQ(status("a", http::HeaderMap{{":path", "/"}}), JwtStatus::kJwtMissed);
  EXPECT_EQ(status("a", bearer(kAExpired)), JwtStatus::kJwtExpired);
  EXPECT_EQ(status("a", bearer(kAOtherAud)), JwtStatus::kJwtAudienceNotAllowed);
  // b's token where a looks: a's location only takes a's issuer.
  EXPECT_EQ(status("a", bearer(kB)), JwtStatus::kJwtUnknownIssuer);
  EXPECT_EQ(status("a", http::HeaderMap{{":path", "/"}, {"authorization", "Bearer nope"}}),
            JwtStatus::kJwtBadFormat);
  // Every token found must verify: a good one beside a bad one fails.
  http::HeaderMap two{{":path", "/?access_token=" + tok(kAExpired)},
                      {"authorization", "Bearer " + tok(kA)}};
  EXPECT_EQ(status("a", two), JwtStatus::kJwtExpired);
}

TEST_F(RequirementVerifierTest, ProviderAndAudiencesReplacesTheAudiences) {
  EXPECT_EQ(status("a_for_other", bearer(kAOtherAud)), JwtStatus::kOk);
  EXPECT_EQ(status("a_for_other", bearer(kA)), JwtStatus::kJwtAudienceNotAllowed);
}

TEST_F(RequirementVerifierTest, RequiresAny) {
  http::HeaderMap b_only{{":path", "/"}, {"x-b-token", tok(kB)}};
  EXPECT_EQ(status("any", b_only), JwtStatus::kOk);
  EXPECT_EQ(status("any", bearer(kA)), JwtStatus::kOk);
  EXPECT_EQ(status("any", http::HeaderMap{{":path", "/"}}), JwtStatus::kJwtMissed);
  // A real failure is reported rather than "missing".
  EXPECT_EQ(status("any", bearer(kAExpired)), JwtStatus::kJwtExpired);
}

TEST_F(RequirementVerifierTest, RequiresAll) {
  http::HeaderMap both{
      {":path", "/"}, {"authorization", "Bearer " + tok(kA)}, {"x-b-token", tok(kB)}};
  VerifyResult r = verify("all", both);
  EXPECT_EQ(r.status, JwtStatus::kOk);
  EXPECT_EQ(r.verified.size(), 2u);
  EXPECT_EQ(status("all", bearer(kA)), JwtStatus::kJwtMissed);
}

TEST_F(RequirementVerifierTest, AllowMissing) {
  EXPECT_EQ(status("allow_missing", http::HeaderMap{{":path", "/"}}), JwtStatus::kOk);
  VerifyResult ok = verify("allow_missing", bearer(kA));
  EXPECT_EQ(ok.status, JwtStatus::kOk);
  EXPECT_EQ(ok.verified.size(), 1u);
  // The provider is picked by issuer, from every provider's locations.
  EXPECT_EQ(status("allow_missing", http::HeaderMap{{":path", "/"}, {"x-b-token", tok(kB)}}),
            JwtStatus::kOk);
  EXPECT_EQ(status("allow_missing", bearer(kAExpired)), JwtStatus::kJwtExpired);
  // An issuer no provider has counts as missing.
  VerifyResult unknown = verify("allow_missing", bearer(kC));
  EXPECT_EQ(unknown.status, JwtStatus::kOk);
  EXPECT_TRUE(unknown.verified.empty());
}

TEST_F(RequirementVerifierTest, AllowMissingOrFailed) {
  VerifyResult failed = verify("allow_failed", bearer(kAExpired));
  EXPECT_EQ(failed.status, JwtStatus::kOk);
  EXPECT_TRUE(failed.verified.empty());
  EXPECT_EQ(verify("allow_failed", bearer(kA)).verified.size(), 1u);
}

TEST_F(RequirementVerifierTest, AnyWithAllowMissing) {
  EXPECT_EQ(status("a_or_missing", http::HeaderMap{{":path", "/"}}), JwtStatus::kOk);
  EXPECT_EQ(status("a_or_missing", bearer(kA)), JwtStatus::kOk);
  EXPECT_EQ(status("a_or_missing", bearer(kAExpired)), JwtStatus::kJwtExpired);
}

TEST_F(RequirementVerifierTest, NoRequirementPasses) {
  EXPECT_EQ(status("none", http::HeaderMap{{":path", "/"}}), JwtStatus::kOk);
}

TEST_F(RequirementVerifierTest, RulesPickTheRequirementByRoute) {
  EXPECT_EQ(config_->requirementFor(http::HeaderMap{{":path", "/public/x"}}), nullptr);
  EXPECT_EQ(config_->requirementFor(http::HeaderMap{{":path", "/elsewhere"}}), nullptr);
  const Requirement* api = config_->requirementFor(http::HeaderMap{{":path", "/api/orders"}});
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->kind, Requirement::Kind::kProvider);
  EXPECT_EQ(config_->requirementFor(http::HeaderMap{{":path", "/both"}}),
            config_->namedRequirement("all"));
  EXPECT_EQ(config_->namedRequirement("missing"), nullptr);
}

// A remote JWKS the cache does not have yet, then has.
class FakeRemoteLookup : public JwksLookup {
 public:
  std::shared_ptr<const Jwks> keys;
  std::shared_ptr<const Jwks> find(const JwtProviderConfig& p) const override {
    return p.remote_jwks ? keys : p.local_jwks;
  }
};

TEST_F(RequirementVerifierTest, RemoteJwksPendingThenVerified) {
  auto config = jwt_test::mustConfig(R"(
providers:
  r:
    issuer: https://a
    remote_jwks:
      http_uri: {uri: 'http://jwks.local/keys', cluster: jwks, timeout: 1s}
      cache_duration: 300s
requirement_map:
  r: {provider_name: r}
)");
  ASSERT_NE(config, nullptr);
  RequirementVerifier verifier(*config);
  const Requirement& r = *config->namedRequirement("r");
  FakeRemoteLookup lookup;
  VerifyResult pending = verifier.verify(r, bearer(kA), lookup, kNow);
  EXPECT_TRUE(pending.pending());
  EXPECT_EQ(pending.status, JwtStatus::kJwksFetchFail);  // fails closed if ignored
  ASSERT_EQ(pending.jwks_needed.size(), 1u);
  EXPECT_EQ(pending.jwks_needed[0]->name, "r");
  // Fetched: the old key set lacks the token's kid ("new"): unknown kid, refetch candidate.
  auto jwks = std::make_shared<Jwks>();
  ASSERT_EQ(Jwks::parse(signed_->jwksJson({"a"}), jwks.get()), JwtStatus::kOk);
  lookup.keys = jwks;
  EXPECT_EQ(verifier.verify(r, bearer(kA), lookup, kNow).status, JwtStatus::kOk);
  VerifyResult unknown = verifier.verify(r, bearer(kAUnknownKid), lookup, kNow);
  EXPECT_EQ(unknown.status, JwtStatus::kJwksKidAlgMismatch);
  ASSERT_EQ(unknown.unknown_kid.size(), 1u);
  // After the rotation the refetched set has the key under the new kid.
  auto rotated = std::make_shared<Jwks>();
  ASSERT_EQ(Jwks::parse("{\"keys\": [" +
                            jwt_test::withMember(signed_->jwks.at("a"), "kid", "\"new\"") + "]}",
                        rotated.get()),
            JwtStatus::kOk);
  lookup.keys = rotated;
  EXPECT_EQ(verifier.verify(r, bearer(kAUnknownKid), lookup, kNow).status, JwtStatus::kOk);
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
