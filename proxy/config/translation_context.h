#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/stats/store.h"

namespace google::protobuf {
class Struct;
}

namespace meshproxy::tls {
class SecretManager;
}
namespace envoy::config::trace::v3 {
class Tracing_Http;
}

namespace meshproxy::config {

// What a listener's filters refer to by name: xDS must deliver these before the listener is
// usable (RDS, SDS secrets) and must not remove them while it is in use (clusters).
struct ListenerDependencies {
  std::vector<std::string> rds_route_configs;
  std::vector<std::string> clusters;
  std::vector<std::string> secrets;
};

// What translators need besides the proto itself. Lives on the main thread.
struct TranslationContext {
  stats::Store& stats;
  // Number of workers, for per-worker stats.
  uint32_t concurrency = 1;
  // Set while translating a listener: filters record what they depend on.
  ListenerDependencies* dependencies = nullptr;
  // Certificates by SDS name, and the registry of TLS contexts (rebuilt when a secret or a
  // certificate file changes). Null: TLS configs that name SDS secrets are refused.
  tls::SecretManager* secrets = nullptr;
  // The bootstrap's node.metadata (Istio's own workload metadata); null: none.
  const google::protobuf::Struct* node_metadata = nullptr;
  // Set while translating a listener: its traffic_direction (envoy.config.core.v3
  // .TrafficDirection: 0 unspecified, 1 INBOUND, 2 OUTBOUND).
  int traffic_direction = 0;
  // Set while an HTTP connection manager translates its http_filters: its stat_prefix, so
  // HTTP filters name their stats "http.<stat_prefix>.<filter>..." as Envoy does.
  std::string_view http_stat_prefix;
  // ... and the name of the HTTP filter being translated (its key in typed_per_filter_config).
  std::string_view http_filter_name;
  // The bootstrap's tracing.http (the provider of connection managers whose `tracing` names
  // none); null: none. And who this proxy is, for the spans' node_id / zone tags and Zipkin's
  // localEndpoint.serviceName.
  const envoy::config::trace::v3::Tracing_Http* bootstrap_tracing = nullptr;
  std::string node_id;
  std::string node_cluster;
  std::string node_zone;
  // ... and what the filters of that one chain share, under a key of their choosing: the
  // compressor filters negotiate Accept-Encoding together (Envoy's do it through the stream's
  // filter state, each registering itself; here the chain is known at config time). Null
  // outside http_filters.
  absl::flat_hash_map<std::string, std::shared_ptr<void>>* http_chain_shared = nullptr;
};

}  // namespace meshproxy::config
