#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/accesslog/stream_observer.h"
#include "proxy/istio/istio_metrics.h"
#include "proxy/istio/workload_metadata.h"
#include "proxy/stats/store.h"

namespace google::protobuf {
class Struct;
}

namespace meshproxy::istio {

// Istio's stats filter config type, as istiod writes it (a TypedStruct wrapping
// stats.PluginConfig when it reaches us as JSON/YAML; see protobuf/typed_config.h).
inline constexpr std::string_view kIstioStatsTypeUrl = "type.googleapis.com/stats.PluginConfig";

// The process's Istio metric families on a Store plus each thread's recorder and peer
// metadata memo (indexed by the thread's shard, core/thread_shard.h; shard 0, shared by
// threads without one, under a lock). Created on first use at config time and never freed,
// so every HCM that enables istio.stats records into the same series.
class IstioRuntime;
IstioRuntime& istioRuntimeFor(stats::Store& store);

// Istio's `istio.stats` HTTP filter, natively: not a filter on the stream but an observer of
// finished streams (recording needs nothing a filter could change). Per request, on the
// worker: labels from this proxy's own node metadata, the peer's x-envoy-peer-metadata header
// (request headers for the destination reporter, response headers for the source reporter;
// decoded once per distinct value and worker), the peer certificate's URI SAN (principal,
// mutual_tls), the upstream cluster name (outbound|port|subset|host) or else the Host header
// for destination_service, content-type application/grpc and grpc-status.
class IstioStatsObserver : public accesslog::StreamObserver {
 public:
  struct Config {
    Reporter reporter = Reporter::kDestination;
    WorkloadMetadata local;
    // PluginConfig.disable_host_header_fallback: no destination_service from the Host header.
    bool disable_host_header_fallback = false;
  };

  IstioStatsObserver(IstioRuntime& runtime, Config config)
      : runtime_(runtime), config_(std::move(config)) {}

  void onStreamComplete(const accesslog::StreamInfo& info) const override;

  const Config& config() const { return config_; }

 private:
  IstioRuntime& runtime_;
  const Config config_;
};

// Translates istio.stats' typed_config (stats.PluginConfig as a TypedStruct). Accepted:
// disable_host_header_fallback; every other PluginConfig field (metrics, definitions, reporter,
// tcp_reporting_duration, rotation_interval, graceful_deletion_interval) is refused by name
// until implemented. `inbound` comes from the listener's traffic_direction (Istio's sidecar
// listeners set it): INBOUND reports as destination, OUTBOUND as source.
absl::StatusOr<std::shared_ptr<const IstioStatsObserver>> translateIstioStats(
    const google::protobuf::Any& typed_config, bool inbound,
    const google::protobuf::Struct* node_metadata, stats::Store& store);

}  // namespace meshproxy::istio
