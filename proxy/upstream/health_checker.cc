#include "proxy/upstream/health_checker.h"

#include "proxy/upstream/http_health_check_session.h"
#include "proxy/upstream/tcp_health_check_session.h"

namespace meshproxy::upstream {

std::unique_ptr<HealthCheckSession> makeHealthCheckSession(HealthChecker& checker,
                                                           HostSharedPtr host) {
  switch (checker.config().kind) {
    case HealthCheckConfig::Kind::kTcp:
      return std::make_unique<TcpHealthCheckSession>(checker, std::move(host));
    case HealthCheckConfig::Kind::kHttp:
    case HealthCheckConfig::Kind::kGrpc:
      break;
  }
  return std::make_unique<HttpHealthCheckSession>(checker, std::move(host));
}

HealthChecker::HealthChecker(EventLoop& loop, ClusterConfigSharedPtr cluster,
                             HealthCheckConfigSharedPtr config, HealthChanged on_changed)
    : loop_(loop),
      cluster_(std::move(cluster)),
      config_(std::move(config)),
      on_changed_(std::move(on_changed)),
      event_logger_(
          HealthCheckEventLogger::create(config_->event_log_paths, config_->kind, cluster_->name)),
      random_(std::random_device{}()) {}

HealthChecker::~HealthChecker() = default;

void HealthChecker::setHosts(ClusterConfigSharedPtr cluster) {
  cluster_ = std::move(cluster);
  absl::flat_hash_map<const Host*, std::unique_ptr<HealthCheckSession>> next;
  next.reserve(cluster_->hosts.size());
  std::vector<HealthCheckSession*> started;
  for (const auto& host : cluster_->hosts) {
    if (next.contains(host.get())) continue;
    auto it = sessions_.find(host.get());
    if (it != sessions_.end()) {
      next.emplace(host.get(), std::move(it->second));
      sessions_.erase(it);
      continue;
    }
    auto session = makeHealthCheckSession(*this, host);
    started.push_back(session.get());
    next.emplace(host.get(), std::move(session));
  }
  // What is left: hosts that left the cluster; their checks stop (connections close).
  sessions_ = std::move(next);
  for (HealthCheckSession* session : started) session->start();
  updateGauges();
}

void HealthChecker::onHostHealthChanged() {
  if (on_changed_) on_changed_(cluster_->name);
}

void HealthChecker::updateGauges() {
  int64_t healthy = 0;
  int64_t degraded = 0;
  for (const auto& [host, session] : sessions_) {
    if (!host->healthFlag(HealthFlag::kFailedActiveHc)) ++healthy;
    if (session->degraded()) ++degraded;
  }
  stats().healthy.set(healthy);
  stats().degraded.set(degraded);
}

}  // namespace meshproxy::upstream
