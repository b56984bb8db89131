#include "xds/server/layered_source.h"

namespace meshproxy::xds_server {

LayeredSource::LayeredSource(std::vector<std::shared_ptr<const ResourceSource>> layers)
    : layers_(std::move(layers)) {}

ResourceMap LayeredSource::resources(const envoy::config::core::v3::Node& node,
                                     std::string_view type_url) const {
  ResourceMap out;
  for (const auto& layer : layers_) {
    for (auto& [name, resource] : layer->resources(node, type_url)) {
      out.insert_or_assign(name, std::move(resource));
    }
  }
  return out;
}

}  // namespace meshproxy::xds_server
