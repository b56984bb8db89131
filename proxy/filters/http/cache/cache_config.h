#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/matcher/query_parameter_matcher.h"
#include "proxy/matcher/string_matcher.h"

namespace envoy::extensions::filters::http::cache::v3 {
class CacheConfig;
}

namespace meshproxy::filters::cache {

// envoy.extensions.filters.http.cache.v3.CacheConfig with the SimpleHttpCache storage,
// translated once.
struct CacheConfig {
  bool disabled = false;
  // Request headers a response may Vary on; a Vary naming any other header (or "*") makes
  // the response uncacheable.
  std::vector<matcher::StringMatcher> allowed_vary_headers;
  // key_creator_params.
  bool exclude_scheme = false;
  bool exclude_host = false;
  // Query parameters in the key: only those matching an included matcher (all when none),
  // minus those matching an excluded one.
  std::vector<matcher::QueryParameterMatcher> query_parameters_included;
  std::vector<matcher::QueryParameterMatcher> query_parameters_excluded;
  // A response body larger than this is not stored; 0: no limit of the filter's own (the
  // store's size bound still applies).
  uint32_t max_body_bytes = 0;
  bool ignore_request_cache_control_header = false;
};

// Every field translated; typed_config must be
// envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig (other storages are
// refused by type URL).
absl::StatusOr<std::shared_ptr<const CacheConfig>> translateCacheConfig(
    const envoy::extensions::filters::http::cache::v3::CacheConfig& proto);

}  // namespace meshproxy::filters::cache
