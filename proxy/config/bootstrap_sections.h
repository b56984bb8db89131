#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/config/overload_config.h"
#include "proxy/config/stats_sinks_translator.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/stats/store.h"

namespace meshproxy::config {

// bootstrap.cluster_manager.
struct ClusterManagerSettings {
  // The cluster of the proxy's own service (zone-aware routing reads it); empty when unset.
  // Must name a static cluster, as in Envoy.
  std::string local_cluster_name;
  // outlier_detection.event_log_path: where outlier ejection events are written (one JSON
  // line each, Envoy's OutlierDetectionEvent). Empty: no event log. Read by outlier detection.
  std::string outlier_event_log_path;
};

// The process-level bootstrap sections besides listeners, clusters, admin and xDS sources,
// translated once at startup (they cannot change without a restart, as in Envoy).
struct BootstrapSettings {
  ClusterManagerSettings cluster_manager;
  // application_log_config.log_format.text_format: the pattern of meshproxy's own log lines
  // (spdlog flags, as Envoy's --log-format); unset keeps the default.
  std::optional<std::string> log_text_format;
  // overload_manager (resource monitors and the actions they trigger); unset: none.
  std::optional<OverloadConfig> overload;
  // stats_config: which stats are listed and how they are tagged (set on the store at start).
  stats::StatNamePolicy stats_names;
  // stats_sinks (statsd, DogStatsD over UDP) and stats_flush_interval.
  StatsSinkSettings stats_sinks;
};

// Checks and translates those sections of an already field-checked bootstrap.
absl::StatusOr<BootstrapSettings> translateBootstrapSections(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap);

// The fields of those sections meshproxy implements, merged into the bootstrap's table.
const protobuf::SupportedFields& bootstrapSectionFields();

}  // namespace meshproxy::config
