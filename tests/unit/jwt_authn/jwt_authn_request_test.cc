// The per-request flow of envoy.filters.http.jwt_authn (authenticateRequest): requirement
// choice (rules, per-route), header sanitizing, outputs on success (forward, claim_to_headers,
// forward_payload_header, payload_in_metadata, failed_status_in_metadata), the 401/403 answers,
// CORS preflight bypass, and the remote JWKS round trips.

#include "proxy/filters/http/jwt_authn/jwt_authn_request.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "proxy/http/header_map.h"
#include "tests/unit/jwt_authn/jwt_authn_test_util.h"
#include "tests/unit/jwt_authn/pyjwt_fixture.h"

namespace meshproxy::filters::jwt_authn {
namespace {

using jwt_test::KeySpec;
using jwt_test::TokenSpec;
using Kind = JwtAuthnOutcome::Kind;

constexpr uint64_t kNow = 1'700'000'000;

enum Token : size_t { kAlice, kOtherAudience, kRotatedKid, kCount };

class JwtAuthnRequestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    std::map<std::string, KeySpec> keys = {
        {"a", {jwt_test::makeKey(*dir_, "a", "P-256"), R"("kid": "a")"}},
    };
    std::vector<TokenSpec> t(kCount);
    t[kAlice] = {"a", "ES256",
                 R"({"iss": "https://a", "aud": "api", "sub": "alice", "scope": "read write",
                     "team": {"name": "shop"}, "exp": 4000000000})",
                 R"({"kid": "a"})"};
    t[kOtherAudience] = {"a", "ES256", R"({"iss": "https://a", "aud": "other"})",
                         R"({"kid": "a"})"};
    t[kRotatedKid] = {"a", "ES256", R"({"iss": "https://a", "aud": "api"})", R"({"kid": "new"})"};
    signed_ = new jwt_test::Signed(jwt_test::signWithPyJwt(*dir_, keys, t));
  }
  static void TearDownTestSuite() {
    delete signed_;
    delete dir_;
  }
  static const std::string& tok(Token t) { return signed_->tokens.at(t); }

  // Provider a: Bearer token, audience api, every output; `extra` adds top-level fields.
  void configure(const std::string& extra) {
    config_ = jwt_test::mustConfig(R"(
providers:
  a:
    issuer: https://a
    audiences: [api]
    local_jwks: {inline_string: ')" +
                                   signed_->jwksJson({"a"}) +
                                   R"('}
    forward_payload_header: x-jwt-payload
    payload_in_metadata: a_payload
    normalize_payload_in_metadata: {space_delimited_claims: [scope]}
    failed_status_in_metadata: a_failed
    claim_to_headers: [{header_name: x-sub, claim_name: sub}, {header_name: x-team, claim_name: team.name}]
    clear_route_cache: true
requirement_map:
  a: {provider_name: a}
  optional: {allow_missing_or_failed: {}}
rules:
- match: {prefix: /public}
- match: {prefix: /optional}
  requirement_name: optional
- match: {prefix: /api}
  requires: {provider_name: a}
)" + extra);
    ASSERT_NE(config_, nullptr);
    verifier_ = std::make_unique<RequirementVerifier>(*config_);
  }

  JwtAuthnOutcome run(http::HeaderMap& headers, const JwtPerRouteConfig* per_route = nullptr,
                      const JwksLookup* jwks = nullptr, bool may_refetch = false) {
    metadata_.Clear();
    LocalJwksLookup local;
    JwtAuthnRequestContext context{*config_,  *verifier_, jwks != nullptr ? *jwks : local,
                                   per_route, kNow,       may_refetch};
    return authenticateRequest(context, headers, metadata_);
  }

  static http::HeaderMap request(const std::string& path, const std::string& token = "") {
    http::HeaderMap h{
        {":method", "GET"}, {":scheme", "https"}, {":authority", "shop.test"}, {":path", path}};
    if (!token.empty()) h.add("authorization", "Bearer " + token);
    return h;
  }

  static testing::TempDir* dir_;
  static jwt_test::Signed* signed_;
  std::shared_ptr<const JwtAuthnConfig> config_;
  std::unique_ptr<RequirementVerifier> verifier_;
  google::protobuf::Struct metadata_;
};
testing::TempDir* JwtAuthnRequestTest::dir_ = nullptr;
jwt_test::Signed* JwtAuthnRequestTest::signed_ = nullptr;

TEST_F(JwtAuthnRequestTest, VerifiedTokenProducesHeadersAndMetadata) {
  configure("");
  http::HeaderMap h = request("/api/orders", tok(kAlice));
  h.add("x-sub", "forged-admin");  // a client cannot set a claim header itself
  const JwtAuthnOutcome out = run(h);
  ASSERT_EQ(out.kind, Kind::kContinue) << jwtStatusMessage(out.status);
  EXPECT_TRUE(out.clear_route_cache);
  EXPECT_FALSE(h.has("authorization"));  // forward: false
  EXPECT_EQ(h.get("x-sub").value_or(""), "alice");
  EXPECT_EQ(h.get("x-team").value_or(""), "shop");
  EXPECT_EQ(h.get("x-jwt-payload").value_or(""),
            tok(kAlice).substr(tok(kAlice).find('.') + 1,
                               tok(kAlice).rfind('.') - tok(kAlice).find('.') - 1));
  const auto& payload = metadata_.fields().at("a_payload").struct_value();
  EXPECT_EQ(payload.fields().at("sub").string_value(), "alice");
  ASSERT_EQ(payload.fields().at("scope").list_value().values_size(), 2);
  EXPECT_EQ(payload.fields().at("scope").list_value().values(1).string_value(), "write");
}

TEST_F(JwtAuthnRequestTest, ForwardKeepsTheToken) {
  auto config = jwt_test::mustConfig(R"(
providers:
  a:
    issuer: https://a
    forward: true
    local_jwks: {inline_string: ')" + signed_->jwksJson({"a"}) +
                                     R"('}
rules: [{match: {prefix: /}, requires: {provider_name: a}}]
)");
  ASSERT_NE(config, nullptr);
  RequirementVerifier verifier(*config);
  http::HeaderMap h = request("/x", tok(kAlice));
  google::protobuf::Struct metadata;
  const JwtAuthnOutcome out =
      authenticateRequest({*config, verifier, LocalJwksLookup(), nullptr, kNow}, h, metadata);
  EXPECT_EQ(out.kind, Kind::kContinue);
  EXPECT_TRUE(h.has("authorization"));
  EXPECT_EQ(metadata.fields_size(), 0);  // no payload_in_metadata
}

TEST_F(JwtAuthnRequestTest, MissingTokenIs401WithWwwAuthenticate) {
  configure("");
  http::HeaderMap h = request("/api/orders?page=2");
  const JwtAuthnOutcome out = run(h);
  ASSERT_EQ(out.kind, Kind::kDeny);
  EXPECT_EQ(out.http_status, 401u);
  EXPECT_EQ(out.body, "Jwt is missing");
  // Envoy's form: the request's URL with its query; no error= when the token is missing.
  EXPECT_EQ(out.www_authenticate, R"(Bearer realm="https://shop.test/api/orders?page=2")");
  EXPECT_EQ(out.details, "jwt_authn_access_denied{Jwt_is_missing}");
}

TEST_F(JwtAuthnRequestTest, WrongAudienceIs403AndStripFailureResponseHidesTheReason) {
  configure("");
  http::HeaderMap h = request("/api", tok(kOtherAudience));
  JwtAuthnOutcome out = run(h);
  ASSERT_EQ(out.kind, Kind::kDeny);
  EXPECT_EQ(out.http_status, 403u);
  EXPECT_EQ(out.body, "Audiences in Jwt are not allowed");
  // Envoy adds the header to every verification failure, this 403 included.
  EXPECT_EQ(out.www_authenticate, R"(Bearer realm="https://shop.test/api", error="invalid_token")");

  configure("strip_failure_response: true\n");
  http::HeaderMap missing = request("/api");
  out = run(missing);
  ASSERT_EQ(out.kind, Kind::kDeny);
  EXPECT_EQ(out.http_status, 401u);
  EXPECT_TRUE(out.body.empty());
  EXPECT_TRUE(out.www_authenticate.empty());
  EXPECT_EQ(out.details, "jwt_authn_access_denied{Jwt_is_missing}");
}

TEST_F(JwtAuthnRequestTest, RoutesWithoutRequirementStillLoseForgedHeaders) {
  configure("");
  http::HeaderMap h = request("/public/x");
  h.add("x-sub", "forged");
  h.add("x-jwt-payload", "forged");
  EXPECT_EQ(run(h).kind, Kind::kContinue);
  EXPECT_FALSE(h.has("x-sub"));
  EXPECT_FALSE(h.has("x-jwt-payload"));
}

TEST_F(JwtAuthnRequestTest, AllowMissingOrFailedPassesAndReportsTheFailure) {
  configure("");
  http::HeaderMap none = request("/optional");
  EXPECT_EQ(run(none).kind, Kind::kContinue);
  EXPECT_EQ(metadata_.fields_size(), 0);

  http::HeaderMap bad = request("/optional", tok(kOtherAudience));
  EXPECT_EQ(run(bad).kind, Kind::kContinue);
  const auto& failed = metadata_.fields().at("a_failed").struct_value();
  EXPECT_EQ(failed.fields().at("message").string_value(), "Audiences in Jwt are not allowed");
  EXPECT_EQ(failed.fields().at("code").number_value(),
            static_cast<double>(JwtStatus::kJwtAudienceNotAllowed));
}

TEST_F(JwtAuthnRequestTest, PerRouteConfig) {
  configure("");
  http::HeaderMap h = request("/api");  // the rules would want a token
  JwtPerRouteConfig disabled{.disabled = true};
  EXPECT_EQ(run(h, &disabled).kind, Kind::kContinue);

  JwtPerRouteConfig named{.requirement_name = "a"};
  http::HeaderMap public_path = request("/public", tok(kAlice));
  EXPECT_EQ(run(public_path, &named).kind, Kind::kContinue);
  EXPECT_EQ(public_path.get("x-sub").value_or(""), "alice");

  JwtPerRouteConfig unknown{.requirement_name = "nope"};
  const JwtAuthnOutcome out = run(h, &unknown);
  ASSERT_EQ(out.kind, Kind::kDeny);
  EXPECT_EQ(out.http_status, 403u);
  EXPECT_EQ(out.details, "jwt_authn_access_denied{Wrong_requirement_name:_nope}");
  EXPECT_EQ(out.body, "Failed JWT authentication: Wrong requirement_name: nope");
  EXPECT_TRUE(out.www_authenticate.empty());
}

TEST_F(JwtAuthnRequestTest, CorsPreflightBypass) {
  configure("bypass_cors_preflight: true\n");
  http::HeaderMap h{{":method", "OPTIONS"},
                    {":path", "/api"},
                    {"origin", "https://web.test"},
                    {"access-control-request-method", "POST"}};
  const JwtAuthnOutcome out = run(h);
  EXPECT_EQ(out.kind, Kind::kContinue);
  EXPECT_TRUE(out.cors_preflight_bypassed);
  http::HeaderMap plain_options{{":method", "OPTIONS"}, {":path", "/api"}};
  EXPECT_EQ(run(plain_options).kind, Kind::kDeny);
}

class SwitchableLookup : public JwksLookup {
 public:
  std::shared_ptr<const Jwks> keys;
  std::shared_ptr<const Jwks> find(const JwtProviderConfig& p) const override {
    return p.remote_jwks ? keys : p.local_jwks;
  }
};

TEST_F(JwtAuthnRequestTest, RemoteJwksIsFetchedThenAnUnknownKidRefetchedOnce) {
  config_ = jwt_test::mustConfig(R"(
providers:
  r:
    issuer: https://a
    remote_jwks:
      http_uri: {uri: 'http://jwks.local/keys', cluster: jwks, timeout: 1s}
rules: [{match: {prefix: /}, requires: {provider_name: r}}]
)");
  ASSERT_NE(config_, nullptr);
  verifier_ = std::make_unique<RequirementVerifier>(*config_);
  SwitchableLookup lookup;

  http::HeaderMap h = request("/", tok(kAlice));
  JwtAuthnOutcome out = run(h, nullptr, &lookup);
  ASSERT_EQ(out.kind, Kind::kFetchJwks);
  ASSERT_EQ(out.fetch.size(), 1u);
  EXPECT_EQ(out.fetch[0]->name, "r");

  auto jwks = std::make_shared<Jwks>();
  ASSERT_EQ(Jwks::parse(signed_->jwksJson({"a"}), jwks.get()), JwtStatus::kOk);
  lookup.keys = jwks;
  EXPECT_EQ(run(h, nullptr, &lookup).kind, Kind::kContinue);

  // A token with a kid the cached set lacks: refetch when the cache allows it, else 401.
  http::HeaderMap rotated = request("/", tok(kRotatedKid));
  out = run(rotated, nullptr, &lookup, /*may_refetch=*/true);
  ASSERT_EQ(out.kind, Kind::kFetchJwks);
  EXPECT_EQ(out.fetch[0]->name, "r");
  out = run(rotated, nullptr, &lookup, /*may_refetch=*/false);
  ASSERT_EQ(out.kind, Kind::kDeny);
  EXPECT_EQ(out.http_status, 401u);
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
