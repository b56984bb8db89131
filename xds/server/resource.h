// One xDS resource as mesh-control serves it, and the by-name collection a node receives.
#pragma once

#include <google/protobuf/any.pb.h>

#include <map>
#include <memory>
#include <string>

namespace meshproxy::xds_server {

struct Resource {
  std::string type_url;  // "type.googleapis.com/envoy.config.cluster.v3.Cluster"
  std::string name;      // `name`, or `cluster_name` for a ClusterLoadAssignment
  // Packed from the deterministic serialization, so equal content gives equal bytes and hash.
  google::protobuf::Any body;
  // Hex SHA-256 of body.value(): versions are computed from these without re-serializing.
  std::string content_hash;
  // Where it came from ("/etc/mesh/all/listeners.yaml", or a generator's name), for /resources.
  std::string source;
};

using ResourcePtr = std::shared_ptr<const Resource>;
// Ordered by name, so everything computed from it (versions, responses) is deterministic.
using ResourceMap = std::map<std::string, ResourcePtr>;

}  // namespace meshproxy::xds_server
