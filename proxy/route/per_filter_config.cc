#include "proxy/route/per_filter_config.h"

#include <fmt/format.h>

#include <algorithm>

#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::route {

namespace {
constexpr std::string_view kFilterConfigType =
    "type.googleapis.com/envoy.config.route.v3.FilterConfig";
}  // namespace

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> translateCorsField(
    const google::protobuf::Message* cors, const http::FindPerFilterConfigTranslator& find) {
  if (cors == nullptr) return http::RouteSpecificFilterConfigSharedPtr();
  const http::PerFilterConfigTranslator* translator = find ? find(kRouteCorsPolicyType) : nullptr;
  if (translator == nullptr) {
    return absl::InvalidArgumentError("cors: no CORS filter is built in to enforce it");
  }
  google::protobuf::Any any;
  any.PackFrom(*cors);
  auto translated = (*translator)(any);
  if (!translated.ok()) return protobuf::withContext(translated.status(), "cors");
  return translated;
}

absl::StatusOr<PerFilterConfigs> translatePerFilterConfigs(
    const google::protobuf::Map<std::string, google::protobuf::Any>& proto,
    const http::FindPerFilterConfigTranslator& find) {
  // Sorted, so the first error reported does not depend on the map's order.
  std::vector<const std::string*> names;
  names.reserve(proto.size());
  for (const auto& [name, value] : proto) names.push_back(&name);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });

  PerFilterConfigs out;
  for (const std::string* name : names) {
    const google::protobuf::Any* config = &proto.at(*name);
    const std::string where = fmt::format("typed_per_filter_config '{}'", *name);
    if (name->empty())
      return absl::InvalidArgumentError("typed_per_filter_config: empty filter name");
    bool optional = false;
    envoy::config::route::v3::FilterConfig wrapper;
    if (config->type_url() == kFilterConfigType) {
      if (!config->UnpackTo(&wrapper)) {
        return absl::InvalidArgumentError(where +
                                          ": cannot read envoy.config.route.v3.FilterConfig");
      }
      if (wrapper.disabled()) {
        out.entries.push_back({.filter_name = *name, .config = nullptr, .disabled = true});
        continue;
      }
      if (!wrapper.has_config()) continue;  // neither config nor disabled: nothing to apply
      optional = wrapper.is_optional();
      config = &wrapper.config();
    }
    const http::PerFilterConfigTranslator* translator = find ? find(config->type_url()) : nullptr;
    if (translator == nullptr) {
      if (optional) continue;  // Envoy: an optional entry the proxy cannot use is skipped
      return absl::InvalidArgumentError(fmt::format(
          "{}: unsupported per-route filter config type '{}'", where, config->type_url()));
    }
    auto translated = (*translator)(*config);
    if (!translated.ok()) return protobuf::withContext(translated.status(), where);
    out.entries.push_back({.filter_name = *name, .config = *std::move(translated)});
  }
  return out;
}

}  // namespace meshproxy::route
