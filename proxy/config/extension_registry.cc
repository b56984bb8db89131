#include "proxy/config/extension_registry.h"

#include "proxy/core/strings.h"

namespace meshproxy::config {

ExtensionRegistry& ExtensionRegistry::global() {
  static auto* registry = new ExtensionRegistry();
  return *registry;
}

void ExtensionRegistry::addNetworkFilter(std::string type_url, NetworkFilterTranslator translator) {
  network_filters_.insert_or_assign(std::move(type_url), std::move(translator));
}

void ExtensionRegistry::addHttpFilter(std::string type_url, HttpFilterTranslator translator) {
  http_filters_.insert_or_assign(std::move(type_url), std::move(translator));
}

void ExtensionRegistry::addPerRouteFilterConfig(std::string type_url,
                                                http::PerFilterConfigTranslator translator) {
  per_route_filter_configs_.insert_or_assign(std::move(type_url), std::move(translator));
}

const http::PerFilterConfigTranslator* ExtensionRegistry::perRouteFilterConfig(
    std::string_view type_url) const {
  auto it = per_route_filter_configs_.find(toAbsl(type_url));
  return it == per_route_filter_configs_.end() ? nullptr : &it->second;
}

const NetworkFilterTranslator* ExtensionRegistry::networkFilter(std::string_view type_url) const {
  auto it = network_filters_.find(toAbsl(type_url));
  return it == network_filters_.end() ? nullptr : &it->second;
}

const HttpFilterTranslator* ExtensionRegistry::httpFilter(std::string_view type_url) const {
  auto it = http_filters_.find(toAbsl(type_url));
  return it == http_filters_.end() ? nullptr : &it->second;
}

void ExtensionRegistry::addSupportedFields(std::string type_url,
                                           const protobuf::SupportedFields* fields) {
  supported_fields_.insert_or_assign(std::move(type_url), fields);
}

const protobuf::SupportedFields* ExtensionRegistry::supportedFields(
    std::string_view type_url) const {
  auto it = supported_fields_.find(toAbsl(type_url));
  return it == supported_fields_.end() ? nullptr : it->second;
}

}  // namespace meshproxy::config
