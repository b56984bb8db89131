#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace meshproxy::upstream {

// Envoy's RoutingPriority: a route's `priority` picks which set of circuit-breaker thresholds
// (and which set of counters) its requests and connections use.
enum class ResourcePriority : uint8_t { kDefault = 0, kHigh = 1 };
inline constexpr size_t kResourcePriorities = 2;

inline std::string_view priorityName(ResourcePriority priority) {
  return priority == ResourcePriority::kHigh ? "high" : "default";
}

// circuit_breakers.thresholds[].retry_budget: retries in flight may be this share of the
// requests active and pending, but never fewer than min_retry_concurrency.
struct RetryBudget {
  double budget_percent = 20.0;
  uint32_t min_retry_concurrency = 3;
};

// One priority's circuit_breakers.thresholds entry, with Envoy's defaults.
struct ResourceLimits {
  uint64_t max_connections = 1024;
  uint64_t max_pending_requests = 1024;
  uint64_t max_requests = 1024;
  uint64_t max_retries = 3;
  // Unset in Envoy means unlimited.
  uint64_t max_connection_pools = std::numeric_limits<uint64_t>::max();
  // Set: replaces max_retries.
  std::optional<RetryBudget> retry_budget;
  // Publish circuit_breakers.<priority>.remaining_* gauges.
  bool track_remaining = false;
};

// The translated circuit_breakers of a cluster: thresholds by ResourcePriority.
struct CircuitBreakers {
  std::array<ResourceLimits, kResourcePriorities> thresholds;

  const ResourceLimits& at(ResourcePriority priority) const {
    return thresholds[static_cast<size_t>(priority)];
  }
};

}  // namespace meshproxy::upstream
