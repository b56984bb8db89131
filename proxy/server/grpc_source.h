#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "envoy/config/core/v3/config_source.pb.h"
#include "proxy/server/cluster_resources.h"
#include "xds/client/xds_client.h"

namespace meshproxy::server {

// A gRPC config source resolved from the bootstrap: where its service is, what the calls
// carry, and which protocol the client speaks.
struct GrpcSource {
  xds::GrpcServiceSpec grpc;
  bool delta = false;  // DELTA_GRPC (or AGGREGATED_DELTA_GRPC for ads_config)
  bool set_node_on_first_message_only = false;
  std::string cluster;  // the envoy_grpc cluster, "" for google_grpc (for logs)
};

// Checks what can be checked without the clusters: api_type (ads_config: GRPC, DELTA_GRPC and
// their AGGREGATED_ spellings; an api_config_source: GRPC or DELTA_GRPC), transport_api_version
// (V3, or unset), exactly one grpc_services entry, initial_metadata keys and values as gRPC
// accepts them. `where` names the field in messages ("dynamic_resources.ads_config").
absl::Status checkGrpcSource(const envoy::config::core::v3::ApiConfigSource& source,
                             bool aggregated, std::string_view where);

// The checks above, then the service's target: google_grpc's target_uri, or the envoy_grpc
// cluster's first endpoint (a static cluster that speaks HTTP/2; an IP endpoint becomes
// "ipv4:"/"ipv6:", a pipe "unix:" or "unix-abstract:", a STRICT_DNS one "dns:///").
absl::StatusOr<GrpcSource> resolveGrpcSource(const envoy::config::core::v3::ApiConfigSource& source,
                                             bool aggregated, const ClusterStore& clusters,
                                             std::string_view where);

}  // namespace meshproxy::server
