#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proxy/matcher/string_matcher.h"
#include "proxy/route/header_mutations.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"

namespace meshproxy::upstream {

// One entry of Cluster.health_checks after translation (Envoy's core.v3.HealthCheck): what
// the main thread's health checker needs, nothing it must parse. Immutable, shared by the
// cluster's configs.
struct HealthCheckConfig {
  enum class Kind { kHttp, kTcp, kGrpc };
  Kind kind = Kind::kHttp;

  std::chrono::milliseconds timeout{1000};
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds initial_jitter{0};
  std::chrono::milliseconds interval_jitter{0};
  uint32_t interval_jitter_percent = 0;
  uint32_t unhealthy_threshold = 1;
  uint32_t healthy_threshold = 1;
  // Until the cluster has carried traffic (upstream_cx_total > 0) checks run at
  // no_traffic_interval (no_traffic_healthy_interval once the host is healthy).
  std::chrono::milliseconds no_traffic_interval{60000};
  std::chrono::milliseconds no_traffic_healthy_interval{60000};
  // Unhealthy hosts, and hosts on their way to a transition (the threshold not reached yet).
  std::chrono::milliseconds unhealthy_interval{1000};
  std::chrono::milliseconds unhealthy_edge_interval{1000};
  std::chrono::milliseconds healthy_edge_interval{1000};
  // Keep the connection between checks (default true); false opens one per check.
  bool reuse_connection = true;
  bool always_log_health_check_failures = false;
  bool always_log_health_check_success = false;
  // Files the health check events go to (event_log_path and the file event_logger sinks).
  std::vector<std::string> event_log_paths;

  // HTTP: GET `path` with Host `host` (empty: the endpoint's health check hostname, else the
  // cluster name); healthy when the status is in `expected_statuses` ([start, end) ranges;
  // default 200) and, with a service_name_matcher, x-envoy-upstream-healthchecked-cluster
  // matches it. A status in `retriable_statuses` counts towards unhealthy_threshold like a
  // network failure instead of failing the host at once.
  std::string path;
  std::string host;
  std::vector<std::pair<int64_t, int64_t>> expected_statuses;
  std::vector<std::pair<int64_t, int64_t>> retriable_statuses;
  route::HeaderMutations request_headers;
  std::optional<matcher::StringMatcher> service_name_matcher;

  // TCP: writes `send` (may be empty: connect only), then healthy once every `receive` block
  // has been seen in the bytes read, in order (fuzzy match, as Envoy).
  std::string send;
  std::vector<std::string> receive;

  // gRPC: grpc.health.v1.Health/Check for `service_name` over HTTP/2, :authority
  // `authority` (empty: as HTTP's host).
  std::string service_name;
  std::string authority;

  bool statusIn(const std::vector<std::pair<int64_t, int64_t>>& ranges, uint64_t status) const {
    for (const auto& [start, end] : ranges) {
      if (static_cast<int64_t>(status) >= start && static_cast<int64_t>(status) < end) return true;
    }
    return false;
  }
};

// Envoy's cluster.<name>.health_check.* (one set per cluster, whatever the number of checks).
struct HealthCheckStats {
  stats::Counter& attempt;
  stats::Counter& success;
  stats::Counter& failure;
  stats::Counter& network_failure;
  stats::Counter& passive_failure;
  stats::Counter& verify_cluster;
  stats::Gauge& healthy;
  stats::Gauge& degraded;
};

using HealthCheckConfigSharedPtr = std::shared_ptr<const HealthCheckConfig>;

}  // namespace meshproxy::upstream
