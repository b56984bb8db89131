// The resources loaded from a resource directory: those for every node (DIR/all) and those for
// one node (DIR/nodes/<node-id>), which replace an `all` resource of the same type and name.
// Immutable once built; a reload builds a new one.
#pragma once

#include <map>
#include <string>

#include "xds/server/resource_source.h"

namespace meshproxy::xds_server {

// Type URL -> resources of that type.
using TypeMap = std::map<std::string, ResourceMap>;

class DirectoryResources : public ResourceSource {
 public:
  DirectoryResources(TypeMap all, std::map<std::string, TypeMap> by_node);

  ResourceMap resources(const envoy::config::core::v3::Node& node,
                        std::string_view type_url) const override;

  const TypeMap& all() const { return all_; }
  const std::map<std::string, TypeMap>& byNode() const { return by_node_; }
  size_t size() const;  // resources across all scopes

 private:
  const TypeMap all_;
  const std::map<std::string, TypeMap> by_node_;
};

}  // namespace meshproxy::xds_server
