#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/upstream/host.h"

namespace meshproxy::upstream {

enum class DiscoveryType { kStatic };
enum class LbPolicy { kRoundRobin };

// Envoy's cluster.<name>.* stats this cluster keeps (references into the stats store).
struct ClusterStats {
  stats::Counter& upstream_cx_total;
  stats::Gauge& upstream_cx_active;
  stats::Counter& upstream_cx_connect_fail;
  stats::Counter& upstream_cx_connect_timeout;
  stats::Counter& upstream_cx_destroy;
  stats::Counter& upstream_cx_rx_bytes_total;
  stats::Counter& upstream_cx_tx_bytes_total;
  stats::Counter& upstream_cx_none_healthy;
  stats::Gauge& membership_total;
};

// A cluster after translation: everything the data path needs, nothing it must parse.
struct ClusterConfig {
  std::string name;
  DiscoveryType type = DiscoveryType::kStatic;
  LbPolicy lb_policy = LbPolicy::kRoundRobin;
  std::chrono::milliseconds connect_timeout{5000};
  uint32_t per_connection_buffer_limit = 1024 * 1024;
  HostVector hosts;
  // The counters live in the stats store; shared so a rebuilt config can keep them.
  std::shared_ptr<const ClusterStats> stats;
};

using ClusterConfigSharedPtr = std::shared_ptr<const ClusterConfig>;

}  // namespace meshproxy::upstream
