#include "proxy/server/health_check_manager.h"

#include <algorithm>

namespace meshproxy::server {

HealthCheckManager::HealthCheckManager(EventLoop& loop, HealthChanged on_health_changed)
    : loop_(loop), on_health_changed_(std::move(on_health_changed)) {
  flush_timer_ = std::make_unique<Timer>(loop_.uv(), [this] { flush(); });
}

HealthCheckManager::~HealthCheckManager() = default;

size_t HealthCheckManager::checkerCount() const {
  size_t n = 0;
  for (const auto& [name, checks] : clusters_) n += checks.checkers.size();
  return n;
}

void HealthCheckManager::update(const config::Snapshot& snapshot) {
  absl::flat_hash_map<std::string, ClusterChecks> next;
  for (const auto& [name, cluster] : snapshot.clusters) {
    auto it = clusters_.find(name);
    if (cluster->health_checks.empty()) {
      if (it != clusters_.end()) {
        // The checks were removed from the cluster: their verdicts go with them.
        bool cleared = false;
        for (const auto& host : cluster->hosts) {
          if (host->healthFlag(upstream::HealthFlag::kFailedActiveHc)) {
            host->clearHealthFlag(upstream::HealthFlag::kFailedActiveHc);
            cleared = true;
          }
        }
        if (cleared) onChanged(name);
      }
      continue;
    }
    ClusterChecks checks;
    if (it != clusters_.end() && it->second.config->health_checks == cluster->health_checks) {
      checks = std::move(it->second);  // same checks: sessions (and their counts) carry on
    } else {
      for (const auto& config : cluster->health_checks) {
        checks.checkers.push_back(std::make_unique<upstream::HealthChecker>(
            loop_, cluster, config, [this](const std::string& c) { onChanged(c); }));
      }
    }
    if (checks.config != cluster) {
      checks.config = cluster;
      for (auto& checker : checks.checkers) checker->setHosts(cluster);
    }
    next.emplace(name, std::move(checks));
  }
  // Clusters that are gone or lost their checks: their sessions stop with `clusters_`.
  clusters_ = std::move(next);
}

void HealthCheckManager::onChanged(const std::string& cluster) {
  if (std::find(changed_.begin(), changed_.end(), cluster) == changed_.end()) {
    changed_.push_back(cluster);
  }
  // Several hosts often change in the same loop turn (a restarted backend): one publication.
  if (!flush_timer_->enabled()) flush_timer_->enable(std::chrono::milliseconds(0));
}

void HealthCheckManager::flush() {
  std::vector<std::string> changed = std::move(changed_);
  changed_.clear();
  if (!changed.empty() && on_health_changed_) on_health_changed_(changed);
}

}  // namespace meshproxy::server
