#pragma once

#include <google/protobuf/any.pb.h>
#include <google/protobuf/map.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/http/route_config.h"

namespace meshproxy::route {

// One level's typed_per_filter_config (route configuration, virtual host, route or weighted
// cluster), translated once at config time: per HTTP filter name, the filter's own per-route
// config, or that the filter is disabled here (FilterConfig.disabled). A level holds a handful
// of entries at most, found by a scan when a filter asks.
struct PerFilterConfigs {
  struct Entry {
    std::string filter_name;
    http::RouteSpecificFilterConfigSharedPtr config;  // null when only `disabled` is said
    bool disabled = false;
  };
  std::vector<Entry> entries;

  const Entry* find(std::string_view filter_name) const {
    for (const Entry& entry : entries) {
      if (entry.filter_name == filter_name) return &entry;
    }
    return nullptr;
  }
  // The filter's config at this level, nullptr if none.
  const http::RouteSpecificFilterConfig* config(std::string_view filter_name) const {
    const Entry* entry = find(filter_name);
    return entry == nullptr ? nullptr : entry->config.get();
  }
  bool anyDisabled() const {
    for (const Entry& entry : entries) {
      if (entry.disabled) return true;
    }
    return false;
  }
};

// Translates a typed_per_filter_config map. Each value is either the filter's per-route proto,
// translated by the translator registered for its type URL, or an
// envoy.config.route.v3.FilterConfig wrapping one: `disabled` disables the filter on this
// level (its config is then ignored), `is_optional` lets a type without translator be skipped.
// A type URL without translator is an error naming the filter and the type. `find` may be
// empty (no filter has per-route config).
// The `cors` field of a virtual host or route action (envoy.config.route.v3.CorsPolicy),
// translated by the translator registered for that type URL (the CORS filter's: route/ knows
// no filter). Null when the field is not set; an error when it is set and no CORS filter is
// built in.
inline constexpr std::string_view kRouteCorsPolicyType =
    "type.googleapis.com/envoy.config.route.v3.CorsPolicy";
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> translateCorsField(
    const google::protobuf::Message* cors, const http::FindPerFilterConfigTranslator& find);

absl::StatusOr<PerFilterConfigs> translatePerFilterConfigs(
    const google::protobuf::Map<std::string, google::protobuf::Any>& proto,
    const http::FindPerFilterConfigTranslator& find);

}  // namespace meshproxy::route
