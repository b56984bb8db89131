#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/filters/http/jwt_authn/requirement.h"
#include "proxy/route/route_match.h"
#include "proxy/runtime/well_known_keys.h"

namespace envoy::extensions::filters::http::jwt_authn::v3 {
class JwtAuthentication;
class PerRouteConfig;
}  // namespace envoy::extensions::filters::http::jwt_authn::v3

namespace meshproxy::filters::jwt_authn {

// JwtAuthentication.rules[i]: the first rule whose match fits the request gives its
// requirement (null: the rule requires nothing).
struct RequirementRule {
  route::RouteMatch match;
  std::shared_ptr<const Requirement> requirement;
};

// envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication, translated once on the main
// thread and shared, immutable, by every worker.
class JwtAuthnConfig {
 public:
  const std::vector<std::unique_ptr<const JwtProviderConfig>>& providers() const {
    return providers_;
  }
  const JwtProviderConfig* findProvider(std::string_view name) const;
  // The requirement for a request without per-route config: the first matching rule's; nullptr
  // when no rule matches or the rule requires nothing (the request passes).
  const Requirement* requirementFor(const http::HeaderMap& headers) const;
  // requirement_map[name] (per-route requirement_name); nullptr when absent.
  const Requirement* namedRequirement(std::string_view name) const;

  bool bypass_cors_preflight = false;   // an OPTIONS CORS preflight skips verification
  bool strip_failure_response = false;  // 401/403 without body and www-authenticate

 private:
  friend absl::StatusOr<std::shared_ptr<const JwtAuthnConfig>> translateJwtAuthentication(
      const envoy::extensions::filters::http::jwt_authn::v3::JwtAuthentication& proto,
      uint32_t max_regex_program_size);

  std::vector<std::unique_ptr<const JwtProviderConfig>> providers_;
  absl::flat_hash_map<std::string, const JwtProviderConfig*> providers_by_name_;
  std::vector<RequirementRule> rules_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Requirement>> requirement_map_;
};

// Config time. Every field is translated or refused by name; what Envoy's validation refuses
// is refused too (an unknown provider name, requires_any with one entry, an invalid JWKS,
// a rule naming a requirement requirement_map lacks). local_jwks is read and parsed here.
absl::StatusOr<std::shared_ptr<const JwtAuthnConfig>> translateJwtAuthentication(
    const envoy::extensions::filters::http::jwt_authn::v3::JwtAuthentication& proto,
    uint32_t max_regex_program_size = runtime::maxRegexProgramSize());

// PerRouteConfig (typed_per_filter_config): `disabled`, or the requirement_map entry to use.
struct JwtPerRouteConfig {
  bool disabled = false;
  std::string requirement_name;
};
absl::StatusOr<JwtPerRouteConfig> translateJwtPerRoute(
    const envoy::extensions::filters::http::jwt_authn::v3::PerRouteConfig& proto);

}  // namespace meshproxy::filters::jwt_authn
