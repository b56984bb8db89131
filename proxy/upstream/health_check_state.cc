#include "proxy/upstream/health_check_state.h"

#include <algorithm>

namespace meshproxy::upstream {

const char* toString(HealthCheckFailureType type) {
  switch (type) {
    case HealthCheckFailureType::kActive:
      return "ACTIVE";
    case HealthCheckFailureType::kPassive:
      return "PASSIVE";
    case HealthCheckFailureType::kNetwork:
      return "NETWORK";
    case HealthCheckFailureType::kNetworkTimeout:
      return "NETWORK_TIMEOUT";
  }
  return "ACTIVE";
}

HealthTransition HealthCheckState::onSuccess() {
  HealthTransition transition = HealthTransition::kUnchanged;
  if (host_.healthFlag(HealthFlag::kFailedActiveHc)) {
    // Envoy: the first check passing makes a new host healthy at once; later it takes
    // healthy_threshold passes in a row.
    if (first_check_ || ++num_healthy_ >= config_.healthy_threshold) {
      host_.clearHealthFlag(HealthFlag::kFailedActiveHc);
      transition = HealthTransition::kChanged;
    } else {
      transition = HealthTransition::kChangePending;
    }
  }
  num_unhealthy_ = 0;
  first_check_ = false;
  return transition;
}

HealthTransition HealthCheckState::onFailure(HealthCheckFailureType type, bool retriable) {
  num_healthy_ = 0;
  HealthTransition transition = HealthTransition::kUnchanged;
  if (!host_.healthFlag(HealthFlag::kFailedActiveHc)) {
    bool network =
        type == HealthCheckFailureType::kNetwork || type == HealthCheckFailureType::kNetworkTimeout;
    if ((!network && !retriable) || ++num_unhealthy_ >= config_.unhealthy_threshold) {
      host_.setHealthFlag(HealthFlag::kFailedActiveHc);
      transition = HealthTransition::kChanged;
    } else {
      transition = HealthTransition::kChangePending;
    }
  }
  first_check_ = false;
  return transition;
}

std::chrono::milliseconds HealthCheckState::nextInterval(bool healthy, HealthTransition transition,
                                                         bool had_traffic, uint64_t random) const {
  // Envoy's HealthCheckerImplBase::interval: a cluster that never carried traffic is checked
  // slowly; otherwise the edge intervals apply while a transition is pending.
  bool pending = transition == HealthTransition::kChangePending;
  uint64_t base;
  if (!had_traffic) {
    base = static_cast<uint64_t>((healthy && !pending) ? config_.no_traffic_healthy_interval.count()
                                                       : config_.no_traffic_interval.count());
  } else if (!healthy) {
    base = static_cast<uint64_t>(pending ? config_.unhealthy_edge_interval.count()
                                         : config_.unhealthy_interval.count());
  } else {
    base = static_cast<uint64_t>(pending ? config_.healthy_edge_interval.count()
                                         : config_.interval.count());
  }
  // intervalWithJitter: a percentage of the base, then the absolute jitter.
  uint64_t jitter_percent_mod = config_.interval_jitter_percent * base / 100;
  uint64_t result = base;
  if (jitter_percent_mod > 0) result += random % jitter_percent_mod;
  if (config_.interval_jitter.count() > 0) {
    result += (random >> 16) % static_cast<uint64_t>(config_.interval_jitter.count());
  }
  return std::chrono::milliseconds(std::max<uint64_t>(1, result));
}

std::chrono::milliseconds HealthCheckState::initialDelay(uint64_t random) const {
  if (config_.initial_jitter.count() <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(random % static_cast<uint64_t>(config_.initial_jitter.count()));
}

}  // namespace meshproxy::upstream
