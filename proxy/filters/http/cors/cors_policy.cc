#include "proxy/filters/http/cors/cors_policy.h"

#include <fmt/format.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/filters/http/cors/v3/cors.pb.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/matcher/regex.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/type_translators.h"
#include "proxy/route/route_supported_fields.h"

namespace meshproxy::filters::cors {
namespace {

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    const std::vector<std::string_view> policy = {"allow_origin_string_match",
                                                  "allow_methods",
                                                  "allow_headers",
                                                  "expose_headers",
                                                  "max_age",
                                                  "allow_credentials",
                                                  "filter_enabled",
                                                  "shadow_enabled",
                                                  "allow_private_network_access",
                                                  "forward_not_matching_preflights"};
    protobuf::SupportedFields s = {
        {"envoy.config.route.v3.CorsPolicy", policy},
        {"envoy.extensions.filters.http.cors.v3.CorsPolicy", policy},
        {"envoy.extensions.filters.http.cors.v3.Cors", {}},
    };
    s.merge(protobuf::typeTranslatorFields());
    s.merge(route::routeConfigurationFields());  // StringMatcher
    return s;
  }();
  return f;
}

// Both protos have the same field names; one template reads either.
template <typename Proto>
absl::StatusOr<std::shared_ptr<const CorsPolicy>> translate(const Proto& proto) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "cors");
  auto p = std::make_shared<CorsPolicy>();
  for (int i = 0; i < proto.allow_origin_string_match_size(); ++i) {
    auto m = matcher::translateStringMatcher(proto.allow_origin_string_match(i),
                                             matcher::kDefaultMaxRegexProgramSize);
    if (!m.ok()) {
      return protobuf::withContext(m.status(),
                                   fmt::format("cors: allow_origin_string_match[{}]", i));
    }
    p->allow_origins.push_back(std::move(*m));
  }
  p->allow_methods = proto.allow_methods();
  p->allow_headers = proto.allow_headers();
  p->expose_headers = proto.expose_headers();
  p->max_age = proto.max_age();
  if (!p->max_age.empty() && p->max_age.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("cors: max_age: must be a number of seconds, got '{}'", p->max_age));
  }
  if (proto.has_allow_credentials()) p->allow_credentials = proto.allow_credentials().value();
  if (proto.has_allow_private_network_access()) {
    p->allow_private_network_access = proto.allow_private_network_access().value();
  }
  if (proto.has_forward_not_matching_preflights()) {
    p->forward_not_matching_preflights = proto.forward_not_matching_preflights().value();
  }
  if (proto.has_filter_enabled()) {
    auto f =
        protobuf::translateRuntimeFractionalPercent(proto.filter_enabled(), "cors: filter_enabled");
    if (!f.ok()) return f.status();
    p->filter_enabled = *f;
  }
  if (proto.has_shadow_enabled()) {
    auto f =
        protobuf::translateRuntimeFractionalPercent(proto.shadow_enabled(), "cors: shadow_enabled");
    if (!f.ok()) return f.status();
    p->shadow_enabled = *f;
  }
  return std::shared_ptr<const CorsPolicy>(std::move(p));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CorsPolicy>> translateRouteCorsPolicy(
    const envoy::config::route::v3::CorsPolicy& proto) {
  return translate(proto);
}

absl::StatusOr<std::shared_ptr<const CorsPolicy>> translateCorsPolicy(
    const envoy::extensions::filters::http::cors::v3::CorsPolicy& proto) {
  return translate(proto);
}

absl::Status checkCorsFilterConfig(const envoy::extensions::filters::http::cors::v3::Cors& proto) {
  return protobuf::withContext(fields().check(proto), "cors");
}

}  // namespace meshproxy::filters::cors
