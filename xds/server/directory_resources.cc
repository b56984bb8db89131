#include "xds/server/directory_resources.h"

namespace meshproxy::xds_server {

DirectoryResources::DirectoryResources(TypeMap all, std::map<std::string, TypeMap> by_node)
    : all_(std::move(all)), by_node_(std::move(by_node)) {}

ResourceMap DirectoryResources::resources(const envoy::config::core::v3::Node& node,
                                          std::string_view type_url) const {
  std::string type(type_url);
  ResourceMap out;
  if (auto it = all_.find(type); it != all_.end()) out = it->second;
  auto node_it = by_node_.find(node.id());
  if (node_it == by_node_.end()) return out;
  if (auto it = node_it->second.find(type); it != node_it->second.end()) {
    for (const auto& [name, resource] : it->second) out.insert_or_assign(name, resource);
  }
  return out;
}

size_t DirectoryResources::size() const {
  size_t n = 0;
  for (const auto& [type, resources] : all_) n += resources.size();
  for (const auto& [node, types] : by_node_) {
    for (const auto& [type, resources] : types) n += resources.size();
  }
  return n;
}

}  // namespace meshproxy::xds_server
