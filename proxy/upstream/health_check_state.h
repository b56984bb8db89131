#pragma once

#include <chrono>
#include <cstdint>

#include "proxy/upstream/health_check_config.h"
#include "proxy/upstream/host.h"

namespace meshproxy::upstream {

// Why a check failed (Envoy's data.core.v3.HealthCheckFailureType). An ACTIVE failure (a bad
// status, a gRPC NOT_SERVING, a mismatched service name) fails a healthy host at once; a
// NETWORK one (connect failure, reset, timeout) only after unhealthy_threshold in a row.
enum class HealthCheckFailureType { kActive, kPassive, kNetwork, kNetworkTimeout };
const char* toString(HealthCheckFailureType type);

// What one result did to the host (Envoy's HealthTransition).
enum class HealthTransition {
  kUnchanged,      // same state as before
  kChanged,        // the host became healthy or unhealthy
  kChangePending,  // on its way: the threshold is not reached yet
};

// One health check's view of one host: counts consecutive results against the thresholds,
// sets and clears the host's kFailedActiveHc flag (shared with every worker), and says when
// the next check is due. Envoy's ActiveHealthCheckSession logic without the I/O, so it is
// testable on its own. Main thread.
class HealthCheckState {
 public:
  HealthCheckState(const HealthCheckConfig& config, Host& host) : config_(config), host_(host) {}

  HealthTransition onSuccess();
  HealthTransition onFailure(HealthCheckFailureType type, bool retriable);
  // True until the first result (Envoy logs and marks first_check on events).
  bool firstCheck() const { return first_check_; }

  // The delay before the next check after a result: `healthy` is the state the result put
  // the host in (success: true); `had_traffic` whether the cluster ever opened an upstream
  // connection (no traffic: no_traffic_interval / no_traffic_healthy_interval); `random`
  // feeds the jitter.
  std::chrono::milliseconds nextInterval(bool healthy, HealthTransition transition,
                                         bool had_traffic, uint64_t random) const;
  // The delay before the very first check (initial_jitter).
  std::chrono::milliseconds initialDelay(uint64_t random) const;

 private:
  const HealthCheckConfig& config_;
  Host& host_;
  uint32_t num_healthy_ = 0;
  uint32_t num_unhealthy_ = 0;
  bool first_check_ = true;
};

}  // namespace meshproxy::upstream
