// Several resource sources seen as one: a node gets the union, and where two layers have a
// resource of the same type and name, the later layer wins (e.g. generated certificates
// layered over the directory's files).
#pragma once

#include <memory>
#include <vector>

#include "xds/server/resource_source.h"

namespace meshproxy::xds_server {

class LayeredSource : public ResourceSource {
 public:
  explicit LayeredSource(std::vector<std::shared_ptr<const ResourceSource>> layers);

  ResourceMap resources(const envoy::config::core::v3::Node& node,
                        std::string_view type_url) const override;

 private:
  const std::vector<std::shared_ptr<const ResourceSource>> layers_;
};

}  // namespace meshproxy::xds_server
