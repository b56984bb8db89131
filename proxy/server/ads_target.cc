#include "proxy/server/ads_target.h"

#include <sys/socket.h>

#include "absl/strings/str_cat.h"

namespace meshproxy::server {

absl::StatusOr<std::string> adsTarget(const envoy::config::core::v3::ApiConfigSource& ads,
                                      const ClusterStore& clusters) {
  if (ads.api_type() != envoy::config::core::v3::ApiConfigSource::GRPC ||
      ads.transport_api_version() == envoy::config::core::v3::V2) {  // unset (AUTO) is V3
    return absl::InvalidArgumentError(
        "dynamic_resources.ads_config: api_type GRPC and transport_api_version V3 are required");
  }
  if (ads.grpc_services_size() != 1) {
    return absl::InvalidArgumentError(
        "dynamic_resources.ads_config: exactly one grpc_services entry is supported");
  }
  const auto& service = ads.grpc_services(0);
  if (service.has_google_grpc()) return service.google_grpc().target_uri();
  if (!service.has_envoy_grpc()) {
    return absl::InvalidArgumentError("ads_config.grpc_services needs envoy_grpc or google_grpc");
  }
  const std::string& name = service.envoy_grpc().cluster_name();
  const auto* entry = clusters.active(name);
  if (entry == nullptr || entry->meta.dynamic) {
    return absl::InvalidArgumentError(
        absl::StrCat("ads_config: envoy_grpc cluster '", name, "' must be a static cluster"));
  }
  const auto& cluster = *entry->value;
  if (!cluster.http2) {
    return absl::InvalidArgumentError(
        absl::StrCat("ads_config: cluster '", name,
                     "' must declare HTTP/2 (typed_extension_protocol_options HttpProtocolOptions "
                     "explicit_http_config.http2_protocol_options, or http2_protocol_options)"));
  }
  if (cluster.type == upstream::DiscoveryType::kStrictDns && !cluster.dns_targets.empty()) {
    return absl::StrCat("dns:///", cluster.dns_targets[0].name, ":", cluster.dns_targets[0].port);
  }
  if (!cluster.hosts.empty()) {
    const auto& address = cluster.hosts[0]->address;
    return absl::StrCat(address.family() == AF_INET6 ? "ipv6:" : "ipv4:", address.str());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("ads_config: cluster '", name, "' has no endpoint"));
}

}  // namespace meshproxy::server
