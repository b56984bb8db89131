#pragma once

#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "proxy/server/resource_store.h"
#include "proxy/upstream/host.h"

namespace meshproxy::server {

// EDS: load assignments by cluster_name (an EDS cluster's service name), as hosts.
using EndpointStore =
    ResourceStore<envoy::config::endpoint::v3::ClusterLoadAssignment, upstream::HostVector>;

// A load assignment waits for nothing. A response may carry only some of the subscribed
// ones, and a later one with a name already seen replaces the earlier (as before the stores
// were generic).
class EndpointResources : public ResourceType<envoy::config::endpoint::v3::ClusterLoadAssignment,
                                              upstream::HostVector> {
 public:
  std::string_view noun() const override { return "endpoint"; }
  std::string_view api() const override { return "EDS"; }
  absl::StatusOr<std::string> nameOf(
      const envoy::config::endpoint::v3::ClusterLoadAssignment& proto, size_t index) const override;
  absl::StatusOr<upstream::HostVector> translate(
      const envoy::config::endpoint::v3::ClusterLoadAssignment& proto) override;
  Dependencies dependencies(const upstream::HostVector&) const override { return {}; }
  bool duplicateNamesRejected() const override { return false; }
};

}  // namespace meshproxy::server
