// Where a node's resources come from. The resource directory is one source; a later one (a CA
// issuing per-node SPIFFE certificates as SDS Secrets) is another. Streams ask the current
// source for a node's resources of one type whenever the client's interest or the source
// changes, so a source computes per node and per type, on demand.
#pragma once

#include <string_view>

#include "envoy/config/core/v3/base.pb.h"
#include "xds/server/resource.h"

namespace meshproxy::xds_server {

class ResourceSource {
 public:
  virtual ~ResourceSource() = default;

  // Every resource of `type_url` this source has for `node`, by name (the stream then picks
  // the requested names). Called concurrently from stream threads: must be thread-safe, and
  // the answer must not change during the source's life (publish a new source instead).
  virtual ResourceMap resources(const envoy::config::core::v3::Node& node,
                                std::string_view type_url) const = 0;
};

}  // namespace meshproxy::xds_server
