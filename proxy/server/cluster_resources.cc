#include "proxy/server/cluster_resources.h"

#include "proxy/config/cluster_translator.h"

namespace meshproxy::server {

absl::StatusOr<std::string> ClusterResources::nameOf(
    const envoy::config::cluster::v3::Cluster& proto, size_t index) const {
  if (proto.name().empty())
    return absl::InvalidArgumentError(absl::StrCat("cluster resource ", index, " has no name"));
  return proto.name();
}

absl::StatusOr<upstream::ClusterConfigSharedPtr> ClusterResources::translate(
    const envoy::config::cluster::v3::Cluster& proto) {
  return config::translateCluster(proto, context_);
}

Dependencies ClusterResources::dependencies(const upstream::ClusterConfigSharedPtr& cluster) const {
  Dependencies d;
  if (cluster->type == upstream::DiscoveryType::kEds) {
    d.endpoints.push_back(cluster->eds_service_name);
    d.fetch_timeout = cluster->initial_fetch_timeout;
  }
  d.secrets = cluster->secrets;
  return d;
}

}  // namespace meshproxy::server
