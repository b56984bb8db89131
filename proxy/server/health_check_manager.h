#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/config/snapshot.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/upstream/health_checker.h"

namespace meshproxy::server {

// Runs the active health checks of every cluster in the published snapshot on the main
// thread's loop: one HealthChecker per health_checks entry, a session per host. Hosts
// follow each snapshot (new hosts start being checked, removed ones stop). When a host turns
// healthy or unhealthy, the cluster names are collected and handed to `on_health_changed`
// once per loop turn (the owner publishes a snapshot that makes workers rebuild those
// clusters).
class HealthCheckManager {
 public:
  using HealthChanged = std::function<void(const std::vector<std::string>& clusters)>;

  HealthCheckManager(EventLoop& loop, HealthChanged on_health_changed);
  ~HealthCheckManager();

  // After every published snapshot.
  void update(const config::Snapshot& snapshot);
  size_t checkerCount() const;

 private:
  struct ClusterChecks {
    upstream::ClusterConfigSharedPtr config;
    std::vector<std::unique_ptr<upstream::HealthChecker>> checkers;
  };
  void onChanged(const std::string& cluster);
  void flush();

  EventLoop& loop_;
  HealthChanged on_health_changed_;
  absl::flat_hash_map<std::string, ClusterChecks> clusters_;
  std::vector<std::string> changed_;
  std::unique_ptr<Timer> flush_timer_;
};

}  // namespace meshproxy::server
