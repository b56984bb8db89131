#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <google/protobuf/any.pb.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/http/filter.h"
#include "proxy/network/filter.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::config {

// Turns a network filter's typed_config into the factory that builds its per-connection
// instances.
using NetworkFilterTranslator = std::function<absl::StatusOr<network::NetworkFilterFactory>(
    const google::protobuf::Any& typed_config, TranslationContext& context)>;
// Turns an HTTP filter's typed_config into the factory that adds it to each stream.
using HttpFilterTranslator = std::function<absl::StatusOr<http::HttpFilterFactory>(
    const google::protobuf::Any& typed_config, TranslationContext& context)>;

// Extensions by typed_config type URL (DESIGN.md rule 6). config/ knows extensions only
// through this table; filters/ fills it (filters::registerBuiltinExtensions) before any
// config is translated, on the main thread; after that it is only read.
class ExtensionRegistry {
 public:
  static ExtensionRegistry& global();

  void addNetworkFilter(std::string type_url, NetworkFilterTranslator translator);
  void addHttpFilter(std::string type_url, HttpFilterTranslator translator);
  // A filter's per-route config (typed_per_filter_config), by its per-route type URL
  // (e.g. ...rbac.v3.RBACPerRoute).
  void addPerRouteFilterConfig(std::string type_url, http::PerFilterConfigTranslator translator);
  // nullptr for a type URL meshproxy does not implement.
  const NetworkFilterTranslator* networkFilter(std::string_view type_url) const;
  const HttpFilterTranslator* httpFilter(std::string_view type_url) const;
  const http::PerFilterConfigTranslator* perRouteFilterConfig(std::string_view type_url) const;

  // The supported-fields table an extension checks its config against, for reports that list
  // every unsupported field at once (--print-unsupported). Optional: an extension registered
  // without one is only checked when it is translated.
  void addSupportedFields(std::string type_url, const protobuf::SupportedFields* fields);
  const protobuf::SupportedFields* supportedFields(std::string_view type_url) const;

 private:
  absl::flat_hash_map<std::string, NetworkFilterTranslator> network_filters_;
  absl::flat_hash_map<std::string, HttpFilterTranslator> http_filters_;
  absl::flat_hash_map<std::string, http::PerFilterConfigTranslator> per_route_filter_configs_;
  absl::flat_hash_map<std::string, const protobuf::SupportedFields*> supported_fields_;
};

inline const NetworkFilterTranslator* findNetworkFilter(std::string_view type_url) {
  return ExtensionRegistry::global().networkFilter(type_url);
}
// What RouteTable::create takes to translate typed_per_filter_config (route/ cannot include
// config/): the global registry's per-route translators.
inline http::FindPerFilterConfigTranslator perRouteFilterConfigLookup() {
  return [](std::string_view type_url) {
    return ExtensionRegistry::global().perRouteFilterConfig(type_url);
  };
}

inline const HttpFilterTranslator* findHttpFilter(std::string_view type_url) {
  return ExtensionRegistry::global().httpFilter(type_url);
}

}  // namespace meshproxy::config
