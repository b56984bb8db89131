#include "proxy/filters/http/cache/cache_config.h"

#include <fmt/format.h>

#include "envoy/extensions/filters/http/cache/v3/cache.pb.h"
#include "envoy/extensions/http/cache/simple_http_cache/v3/config.pb.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/matcher/regex.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/typed_config.h"
#include "proxy/route/route_supported_fields.h"

namespace meshproxy::filters::cache {
namespace {

namespace v3 = envoy::extensions::filters::http::cache::v3;
using SimpleConfig = envoy::extensions::http::cache::simple_http_cache::v3::SimpleHttpCacheConfig;

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    protobuf::SupportedFields s = {
        {"envoy.extensions.filters.http.cache.v3.CacheConfig",
         {"typed_config", "disabled", "allowed_vary_headers", "key_creator_params",
          "max_body_bytes", "ignore_request_cache_control_header"}},
        {"envoy.extensions.filters.http.cache.v3.CacheConfig.KeyCreatorParams",
         {"exclude_scheme", "exclude_host", "query_parameters_included",
          "query_parameters_excluded"}},
        {"envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig", {}},
    };
    s.merge(route::routeConfigurationFields());  // StringMatcher, QueryParameterMatcher
    return s;
  }();
  return f;
}

absl::StatusOr<std::vector<matcher::QueryParameterMatcher>> queryMatchers(
    const google::protobuf::RepeatedPtrField<envoy::config::route::v3::QueryParameterMatcher>& ps,
    std::string_view field) {
  std::vector<matcher::QueryParameterMatcher> out;
  for (int i = 0; i < ps.size(); ++i) {
    auto m = matcher::translateQueryParameterMatcher(ps[i], matcher::kDefaultMaxRegexProgramSize);
    if (!m.ok()) {
      return protobuf::withContext(m.status(),
                                   fmt::format("cache: key_creator_params.{}[{}]", field, i));
    }
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CacheConfig>> translateCacheConfig(
    const v3::CacheConfig& proto) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "cache");
  if (!proto.has_typed_config()) {
    return absl::InvalidArgumentError("cache: typed_config (the cache storage) is required");
  }
  const std::string url = protobuf::extensionTypeUrl(proto.typed_config());
  if (url != fmt::format("type.googleapis.com/{}", SimpleConfig::descriptor()->full_name())) {
    return absl::InvalidArgumentError(fmt::format(
        "cache: typed_config: storage {} is not supported (only SimpleHttpCacheConfig)", url));
  }
  auto simple = protobuf::unpackAny<SimpleConfig>(proto.typed_config(), "cache: typed_config");
  if (!simple.ok()) return simple.status();
  if (auto s = fields().check(*simple); !s.ok()) {
    return protobuf::withContext(s, "cache: typed_config");
  }
  auto c = std::make_shared<CacheConfig>();
  c->disabled = proto.has_disabled() && proto.disabled().value();
  for (int i = 0; i < proto.allowed_vary_headers_size(); ++i) {
    auto m = matcher::translateStringMatcher(proto.allowed_vary_headers(i),
                                             matcher::kDefaultMaxRegexProgramSize);
    if (!m.ok()) {
      return protobuf::withContext(m.status(), fmt::format("cache: allowed_vary_headers[{}]", i));
    }
    c->allowed_vary_headers.push_back(std::move(*m));
  }
  const auto& key = proto.key_creator_params();
  c->exclude_scheme = key.exclude_scheme();
  c->exclude_host = key.exclude_host();
  auto included = queryMatchers(key.query_parameters_included(), "query_parameters_included");
  if (!included.ok()) return included.status();
  c->query_parameters_included = std::move(*included);
  auto excluded = queryMatchers(key.query_parameters_excluded(), "query_parameters_excluded");
  if (!excluded.ok()) return excluded.status();
  c->query_parameters_excluded = std::move(*excluded);
  c->max_body_bytes = proto.max_body_bytes();
  c->ignore_request_cache_control_header = proto.ignore_request_cache_control_header();
  return std::shared_ptr<const CacheConfig>(std::move(c));
}

}  // namespace meshproxy::filters::cache
