#include "proxy/config/circuit_breakers_translator.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "envoy/config/cluster/v3/circuit_breaker.pb.h"

namespace meshproxy::config {

using envoy::config::cluster::v3::CircuitBreakers;

const protobuf::SupportedFields& circuitBreakersSupportedFields() {
  // per_host_thresholds is not implemented: it is refused by name.
  static const protobuf::SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster", {"circuit_breakers"}},
      {"envoy.config.cluster.v3.CircuitBreakers", {"thresholds"}},
      {"envoy.config.cluster.v3.CircuitBreakers.Thresholds",
       {"priority", "max_connections", "max_pending_requests", "max_requests", "max_retries",
        "retry_budget", "track_remaining", "max_connection_pools"}},
      {"envoy.config.cluster.v3.CircuitBreakers.Thresholds.RetryBudget",
       {"budget_percent", "min_retry_concurrency"}},
      {"envoy.type.v3.Percent", {"value"}},
  };
  return fields;
}

absl::Status translateCircuitBreakers(const CircuitBreakers& proto,
                                      upstream::CircuitBreakers& out) {
  std::array<bool, upstream::kResourcePriorities> seen{};
  for (int i = 0; i < proto.thresholds_size(); ++i) {
    const auto& t = proto.thresholds(i);
    std::string where = absl::StrCat("circuit_breakers.thresholds[", i, "]");
    upstream::ResourcePriority priority;
    switch (t.priority()) {
      case envoy::config::core::v3::DEFAULT:
        priority = upstream::ResourcePriority::kDefault;
        break;
      case envoy::config::core::v3::HIGH:
        priority = upstream::ResourcePriority::kHigh;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(where, ".priority: unknown priority"));
    }
    auto index = static_cast<size_t>(priority);
    if (seen[index]) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".priority: ", std::string(upstream::priorityName(priority)),
                       " is given more than once"));
    }
    seen[index] = true;
    upstream::ResourceLimits& limits = out.thresholds[index];
    limits = upstream::ResourceLimits{};
    if (t.has_max_connections()) limits.max_connections = t.max_connections().value();
    if (t.has_max_pending_requests())
      limits.max_pending_requests = t.max_pending_requests().value();
    if (t.has_max_requests()) limits.max_requests = t.max_requests().value();
    if (t.has_max_retries()) limits.max_retries = t.max_retries().value();
    if (t.has_max_connection_pools())
      limits.max_connection_pools = t.max_connection_pools().value();
    limits.track_remaining = t.track_remaining();
    if (t.has_retry_budget()) {
      upstream::RetryBudget budget;
      const auto& rb = t.retry_budget();
      if (rb.has_budget_percent()) {
        budget.budget_percent = rb.budget_percent().value();
        if (!(budget.budget_percent >= 0.0 && budget.budget_percent <= 100.0)) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".retry_budget.budget_percent must be in [0, 100]"));
        }
      }
      if (rb.has_min_retry_concurrency()) {
        budget.min_retry_concurrency = rb.min_retry_concurrency().value();
      }
      limits.retry_budget = budget;
    }
  }
  return absl::OkStatus();
}

}  // namespace meshproxy::config
