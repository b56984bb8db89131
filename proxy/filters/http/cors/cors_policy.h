#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/core/fractional_percent.h"
#include "proxy/matcher/string_matcher.h"

namespace envoy::config::route::v3 {
class CorsPolicy;
}
namespace envoy::extensions::filters::http::cors::v3 {
class CorsPolicy;
class Cors;
}  // namespace envoy::extensions::filters::http::cors::v3

// A CORS policy (Envoy's Router::CorsPolicy), from a route's or virtual host's `cors` field
// (route.v3.CorsPolicy) or from their typed_per_filter_config for envoy.filters.http.cors
// (filters.http.cors.v3.CorsPolicy): the same fields in both. Unset fields stay unset, because
// the filter takes each field from the most specific policy that sets it.
namespace meshproxy::filters::cors {

struct CorsPolicy {
  std::vector<matcher::StringMatcher> allow_origins;  // allow_origin_string_match
  std::string allow_methods;   // "" unset; "*": echo Access-Control-Request-Method
  std::string allow_headers;   // "" unset; "*": echo Access-Control-Request-Headers
  std::string expose_headers;  // "" unset
  std::string max_age;         // "" unset; seconds, sent as given
  std::optional<bool> allow_credentials;
  std::optional<bool> allow_private_network_access;
  std::optional<bool> forward_not_matching_preflights;
  // filter_enabled: unset means enabled; shadow_enabled: unset means off. Each request draws.
  std::optional<FractionalPercent> filter_enabled;
  std::optional<FractionalPercent> shadow_enabled;
};

// Every field translated; runtime keys of filter_enabled / shadow_enabled accepted (their
// default_value applies: meshproxy has no runtime layer). Errors name the field.
absl::StatusOr<std::shared_ptr<const CorsPolicy>> translateRouteCorsPolicy(
    const envoy::config::route::v3::CorsPolicy& proto);
absl::StatusOr<std::shared_ptr<const CorsPolicy>> translateCorsPolicy(
    const envoy::extensions::filters::http::cors::v3::CorsPolicy& proto);

// The filter's own config (envoy.extensions.filters.http.cors.v3.Cors) has no fields; any
// unknown one is refused.
absl::Status checkCorsFilterConfig(const envoy::extensions::filters::http::cors::v3::Cors& proto);

}  // namespace meshproxy::filters::cors
