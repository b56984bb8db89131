#pragma once

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/event_loop.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/health_check_config.h"
#include "proxy/upstream/health_check_event_logger.h"
#include "proxy/upstream/health_check_session.h"

namespace meshproxy::upstream {

// One entry of a cluster's health_checks, running on the main thread: a session per host
// (its own connection, timers and counts), the cluster's health_check.* stats and the event
// log. Results land in each Host's kFailedActiveHc flag, which every worker reads when it
// builds its balancer; `on_changed` runs when a host became healthy or unhealthy so the
// owner can make the workers rebuild the cluster (they read the flags only then).
class HealthChecker {
 public:
  using HealthChanged = std::function<void(const std::string& cluster)>;

  HealthChecker(EventLoop& loop, ClusterConfigSharedPtr cluster, HealthCheckConfigSharedPtr config,
                HealthChanged on_changed);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // The cluster's current hosts: sessions start for new hosts, stop for hosts that left;
  // hosts that stay keep their session (and its counts). `cluster` is the config they came
  // with (stats and the transport socket for the connections).
  void setHosts(ClusterConfigSharedPtr cluster);

  // For sessions.
  EventLoop& loop() { return loop_; }
  const ClusterConfig& cluster() const { return *cluster_; }
  const HealthCheckConfig& config() const { return *config_; }
  const HealthCheckStats& stats() const { return *cluster_->health_check_stats; }
  HealthCheckEventLogger* eventLogger() { return event_logger_.get(); }
  uint64_t random() { return random_(); }
  // Whether the cluster ever opened an upstream connection for traffic (Envoy: upstream_cx_total
  // used); until then checks run at the no-traffic intervals.
  bool clusterHadTraffic() const { return cluster_->stats->upstream_cx_total.value() > 0; }
  // A session's host changed state.
  void onHostHealthChanged();
  size_t sessionCount() const { return sessions_.size(); }
  // health_check.healthy and .degraded from the sessions' hosts.
  void updateGauges();

 private:
  EventLoop& loop_;
  ClusterConfigSharedPtr cluster_;
  const HealthCheckConfigSharedPtr config_;
  HealthChanged on_changed_;
  std::unique_ptr<HealthCheckEventLogger> event_logger_;
  std::mt19937_64 random_;
  absl::flat_hash_map<const Host*, std::unique_ptr<HealthCheckSession>> sessions_;
};

// The session for one host of `checker` (HTTP, TCP or gRPC by the config's kind).
std::unique_ptr<HealthCheckSession> makeHealthCheckSession(HealthChecker& checker,
                                                           HostSharedPtr host);

}  // namespace meshproxy::upstream
