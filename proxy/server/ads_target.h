#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "envoy/config/core/v3/config_source.pb.h"
#include "proxy/server/cluster_resources.h"

namespace meshproxy::server {

// The gRPC target (grpc++ URI: "ipv4:127.0.0.1:18000", "dns:///name:port", or a google_grpc
// target_uri) of the bootstrap's ads_config. An envoy_grpc cluster must be a static cluster
// that speaks HTTP/2. Other config sources (an SDS api_config_source of its own cluster,
// issue 14) resolve their gRPC service the same way.
absl::StatusOr<std::string> adsTarget(const envoy::config::core::v3::ApiConfigSource& ads,
                                      const ClusterStore& clusters);

}  // namespace meshproxy::server
