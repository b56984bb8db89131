#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envoy/config/overload/v3/overload.pb.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::config {

// bootstrap.overload_manager after translation (run by server/overload_manager.h).
struct OverloadConfig {
  enum class Monitor { kFixedHeap, kDownstreamConnections };
  struct ResourceMonitor {
    std::string name;  // what triggers name
    Monitor kind;
    // fixed_heap: max_heap_size_bytes; downstream_connections: max_active_downstream_connections.
    uint64_t max = 0;
  };
  // Actions meshproxy implements; each fires while any of its triggers does.
  enum class Action {
    kStopAcceptingRequests,
    kStopAcceptingConnections,
    kDisableHttpKeepalive,
    kShrinkHeap,
  };
  struct Trigger {
    std::string monitor;
    double threshold = 1.0;  // fires while the monitor's pressure (0..1) >= threshold
  };
  struct OverloadAction {
    std::string name;
    Action action;
    std::vector<Trigger> triggers;
  };

  std::chrono::milliseconds refresh_interval{1000};
  std::vector<ResourceMonitor> monitors;
  std::vector<OverloadAction> actions;
};

absl::StatusOr<OverloadConfig> translateOverloadManager(
    const envoy::config::overload::v3::OverloadManager& proto);

// Its fields, merged into the bootstrap's table.
const protobuf::SupportedFields& overloadSupportedFields();

}  // namespace meshproxy::config
