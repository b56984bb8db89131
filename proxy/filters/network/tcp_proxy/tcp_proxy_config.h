#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/accesslog/access_log.h"
#include "proxy/core/name_slots.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::extensions::filters::network::tcp_proxy::v3 {
class TcpProxy;
}

namespace meshproxy::filters::tcp_proxy {

// tcp.<stat_prefix>.* as Envoy names them.
struct TcpProxyStats {
  stats::Counter& downstream_cx_total;
  stats::Counter& downstream_cx_no_route;
  stats::Counter& downstream_cx_rx_bytes_total;
  stats::Counter& downstream_cx_tx_bytes_total;
  stats::Counter& downstream_flow_control_paused_reading_total;
  stats::Counter& downstream_flow_control_resumed_reading_total;
  stats::Counter& idle_timeout;
  stats::Counter& upstream_flush_total;
};

struct TcpProxyConfig {
  std::string stat_prefix;
  std::string cluster;
  uint32_t cluster_slot = NameSlots::kNone;  // clusterSlots().intern(cluster)
  // 0 disables; Envoy's default is one hour.
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};
  uint32_t max_connect_attempts = 1;
  std::vector<std::shared_ptr<const accesslog::AccessLogger>> access_logs;
  std::shared_ptr<const TcpProxyStats> stats;
};

absl::StatusOr<std::shared_ptr<const TcpProxyConfig>> translateTcpProxy(
    const envoy::extensions::filters::network::tcp_proxy::v3::TcpProxy& proto,
    const stats::Scope& root);

// The TcpProxy fields meshproxy implements. For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& tcpProxySupportedFields();

}  // namespace meshproxy::filters::tcp_proxy
