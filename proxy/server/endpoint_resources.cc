#include "proxy/server/endpoint_resources.h"

#include "proxy/config/endpoint_translator.h"

namespace meshproxy::server {

absl::StatusOr<std::string> EndpointResources::nameOf(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& proto, size_t index) const {
  if (proto.cluster_name().empty())
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint resource ", index, " has no cluster_name"));
  return proto.cluster_name();
}

absl::StatusOr<upstream::HostVector> EndpointResources::translate(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& proto) {
  return config::translateLoadAssignment(
      proto, absl::StrCat("cluster_load_assignment '", proto.cluster_name(), "'"));
}

}  // namespace meshproxy::server
