// JwtAuthentication translation: every field translated or refused by name, Envoy's validation.

#include "proxy/filters/http/jwt_authn/jwt_authn_config.h"

#include <gtest/gtest.h>

#include "tests/unit/jwt_authn/jwt_authn_test_util.h"

namespace meshproxy::filters::jwt_authn {
namespace {

// A valid oct JWKS (HS256, 32-byte secret).
constexpr const char* kJwks =
    R"({"keys":[{"kty":"oct","kid":"k","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]})";

std::string provider(const std::string& fields) {
  return std::string("providers:\n  p:\n    local_jwks: {inline_string: '") + kJwks + "'}\n" +
         fields;
}

void expectError(const std::string& yaml, const std::string& fragment) {
  auto config = jwt_test::configFromYaml(yaml);
  ASSERT_FALSE(config.ok()) << yaml;
  EXPECT_NE(std::string(config.status().message()).find(fragment), std::string::npos)
      << config.status();
}

TEST(JwtAuthnConfigTest, EveryProviderFieldIsTranslated) {
  auto config = jwt_test::mustConfig(R"(
providers:
  remote:
    issuer: https://issuer.example
    audiences: [api, 'https://other/']
    subjects: {prefix: 'spiffe://td/'}
    require_expiration: true
    max_lifetime: 3600s
    remote_jwks:
      http_uri: {uri: 'https://issuer.example/jwks', cluster: idp, timeout: 2s}
      cache_duration: 300s
      async_fetch: {fast_listener: true, failed_refetch_duration: 5s}
      retry_policy: {num_retries: 3, retry_back_off: {base_interval: 0.2s, max_interval: 2s}}
    forward: true
    from_headers: [{name: X-Jwt, value_prefix: 'Token '}]
    from_params: [jwt]
    from_cookies: [session]
    forward_payload_header: X-Jwt-Payload
    pad_forward_payload_header: true
    payload_in_metadata: claims
    normalize_payload_in_metadata: {space_delimited_claims: [scope]}
    header_in_metadata: header
    failed_status_in_metadata: failure
    clock_skew_seconds: 30
    claim_to_headers: [{header_name: X-Sub, claim_name: sub}]
    clear_route_cache: true
bypass_cors_preflight: true
strip_failure_response: true
)");
  ASSERT_NE(config, nullptr);
  const JwtProviderConfig* p = config->findProvider("remote");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->claims.issuer, "https://issuer.example");
  EXPECT_TRUE(p->claims.audiences->allows({"other"}));
  EXPECT_FALSE(p->claims.audiences->allows({"nope"}));
  ASSERT_NE(p->claims.subjects, nullptr);
  EXPECT_TRUE(p->claims.subjects->match("spiffe://td/ns/a"));
  EXPECT_TRUE(p->claims.require_expiration);
  EXPECT_EQ(p->claims.max_lifetime_seconds, 3600u);
  EXPECT_EQ(p->claims.clock_skew_seconds, 30u);
  EXPECT_EQ(p->local_jwks, nullptr);
  ASSERT_TRUE(p->remote_jwks.has_value());
  EXPECT_EQ(p->remote_jwks->uri, "https://issuer.example/jwks");
  EXPECT_EQ(p->remote_jwks->cluster, "idp");
  EXPECT_EQ(p->remote_jwks->timeout.count(), 2000);
  EXPECT_EQ(p->remote_jwks->cache_duration.count(), 300000);
  EXPECT_TRUE(p->remote_jwks->async_fetch);
  EXPECT_TRUE(p->remote_jwks->fast_listener);
  EXPECT_EQ(p->remote_jwks->failed_refetch_duration.count(), 5000);
  EXPECT_EQ(p->remote_jwks->num_retries, 3u);
  EXPECT_EQ(p->remote_jwks->retry_base_interval.count(), 200);
  EXPECT_EQ(p->remote_jwks->retry_max_interval.count(), 2000);
  EXPECT_TRUE(p->forward);
  ASSERT_EQ(p->from_headers.size(), 1u);
  EXPECT_EQ(p->from_headers[0].name, "x-jwt");
  EXPECT_EQ(p->from_headers[0].value_prefix, "Token ");
  EXPECT_EQ(p->from_params, std::vector<std::string>{"jwt"});
  EXPECT_EQ(p->from_cookies, std::vector<std::string>{"session"});
  EXPECT_EQ(p->forward_payload_header, "x-jwt-payload");
  EXPECT_TRUE(p->pad_forward_payload_header);
  EXPECT_EQ(p->payload_in_metadata, "claims");
  EXPECT_EQ(p->space_delimited_claims, std::vector<std::string>{"scope"});
  EXPECT_EQ(p->header_in_metadata, "header");
  EXPECT_EQ(p->failed_status_in_metadata, "failure");
  ASSERT_EQ(p->claim_to_headers.size(), 1u);
  EXPECT_EQ(p->claim_to_headers[0].header_name, "x-sub");
  EXPECT_TRUE(p->clear_route_cache);
  EXPECT_TRUE(config->bypass_cors_preflight);
  EXPECT_TRUE(config->strip_failure_response);
}

TEST(JwtAuthnConfigTest, Defaults) {
  auto config = jwt_test::mustConfig(provider(""));
  ASSERT_NE(config, nullptr);
  const JwtProviderConfig* p = config->findProvider("p");
  EXPECT_EQ(p->claims.clock_skew_seconds, 60u);  // Envoy's default when unset (0)
  EXPECT_TRUE(p->usesDefaultLocations());
  EXPECT_FALSE(p->forward);
  ASSERT_NE(p->local_jwks, nullptr);
  EXPECT_EQ(p->local_jwks->keys().size(), 1u);
  auto remote = jwt_test::mustConfig(R"(
providers:
  r: {remote_jwks: {http_uri: {uri: 'http://x/', cluster: c, timeout: 1s}}}
)");
  EXPECT_EQ(remote->findProvider("r")->remote_jwks->cache_duration.count(), 600000);
}

TEST(JwtAuthnConfigTest, LocalJwksFromFile) {
  meshproxy::testing::TempDir dir;
  const std::string path = dir.writeFile("jwks.json", kJwks);
  auto config =
      jwt_test::mustConfig("providers:\n  p:\n    local_jwks: {filename: " + path + "}\n");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->findProvider("p")->local_jwks->keys().size(), 1u);
  expectError("providers:\n  p:\n    local_jwks: {filename: " + dir.filePath("nope") + "}\n",
              "local_jwks");
}

TEST(JwtAuthnConfigTest, UnimplementedFieldsAreRefusedByName) {
  expectError(provider("    jwt_cache_config: {jwt_cache_size: 100}\n"), "jwt_cache_config");
  expectError(provider("filter_state_rules: {name: x}\n"), "filter_state_rules");
  expectError(R"(
providers:
  p:
    local_jwks: {environment_variable: JWKS}
)",
              "environment_variable");
  expectError(R"(
providers:
  r:
    remote_jwks:
      http_uri: {uri: 'http://x/', cluster: c, timeout: 1s}
      retry_policy: {retry_on: '5xx'}
)",
              "retry_on");
}

TEST(JwtAuthnConfigTest, InvalidValuesAreRefused) {
  expectError("providers:\n  p:\n    issuer: x\n", "remote_jwks or local_jwks is required");
  expectError("providers:\n  p:\n    local_jwks: {inline_string: '{}'}\n",
              "Jwks does not have [keys] field");
  expectError(
      "providers:\n  p:\n    local_jwks: {inline_string: '{\"keys\": [{\"kty\": \"EC\"}]}'}\n",
      "Jwks doesn't have any valid public key");
  expectError(provider("    from_headers: [{name: \"bad\\nheader\"}]\n"), "from_headers[0].name");
  expectError(provider("    forward_payload_header: \"a\\rb\"\n"), "forward_payload_header");
  expectError(provider("    claim_to_headers: [{header_name: x-a}]\n"), "claim_name is empty");
  expectError(provider("    max_lifetime: -1s\n"), "max_lifetime");
  expectError(R"(
providers:
  r: {remote_jwks: {http_uri: {uri: 'http://x/', cluster: c}}}
)",
              "timeout is required");
  expectError(R"(
providers:
  r: {remote_jwks: {http_uri: {uri: 'http://x/', timeout: 1s}}}
)",
              "cluster is required");
  expectError(provider("requirement_map:\n  r: {provider_name: nope}\n"),
              "Required provider ['nope'] is not configured.");
  expectError(
      provider("requirement_map:\n  r: {requires_any: {requirements: [{provider_name: p}]}}\n"),
      "requires_any needs at least 2 requirements");
  expectError(provider("requirement_map:\n  r: {requires_all: {requirements: [{provider_name: p}, "
                       "{provider_name: q}]}}\n"),
              "requires_all.requirements[1]");
  expectError(provider("rules:\n- requires: {provider_name: p}\n"), "match is required");
  expectError(provider("rules:\n- match: {prefix: /}\n  requirement_name: nope\n"),
              "requirement_name 'nope' is not in requirement_map");
  expectError(provider("rules:\n- match: {prefix: /, grpc: {}}\n"), "rules[0].match.grpc");
}

TEST(JwtAuthnConfigTest, PerRouteConfig) {
  envoy::extensions::filters::http::jwt_authn::v3::PerRouteConfig proto;
  proto.set_disabled(true);
  auto disabled = translateJwtPerRoute(proto);
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(disabled->disabled);
  proto.set_requirement_name("r");
  auto named = translateJwtPerRoute(proto);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->requirement_name, "r");
  proto.set_disabled(false);
  EXPECT_FALSE(translateJwtPerRoute(proto).ok());
  proto.Clear();
  EXPECT_FALSE(translateJwtPerRoute(proto).ok());
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
