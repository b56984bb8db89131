#include "proxy/server/outlier_detection_manager.h"

#include "proxy/core/log.h"

namespace meshproxy::server {

OutlierDetectionManager::OutlierDetectionManager(
    EventLoop& loop, stats::Store& stats, std::unique_ptr<upstream::OutlierEventLog> event_log,
    HealthChanged health_changed)
    : loop_(loop),
      stats_(stats),
      event_log_(std::move(event_log)),
      health_changed_(std::move(health_changed)),
      self_(std::make_shared<OutlierDetectionManager*>(this)) {}

OutlierDetectionManager::~OutlierDetectionManager() = default;

void OutlierDetectionManager::update(const upstream::ClusterMap& clusters) {
  auto now = upstream::OutlierDetector::Clock::now();
  // Clusters that lost outlier detection (or left): their ejections end with the detector.
  for (auto it = clusters_.begin(); it != clusters_.end();) {
    auto found = clusters.find(it->first);
    if (found == clusters.end() || found->second->outlier_detection == nullptr) {
      std::string name = it->first;
      clusters_.erase(it++);
      if (found != clusters.end()) health_changed_(name);
      continue;
    }
    ++it;
  }
  for (const auto& [name, config] : clusters) {
    if (config->outlier_detection == nullptr) continue;
    Tracked& tracked = clusters_[name];
    if (tracked.config == config) continue;
    tracked.config = config;
    if (tracked.detector == nullptr) {
      tracked.detector = std::make_unique<upstream::OutlierDetector>(
          name, config->outlier_detection, stats_.scope("cluster", name),
          [this]() { return random_(); },
          [this](const upstream::OutlierEvent& event) {
            if (event_log_ != nullptr) event_log_->write(event);
          });
    } else {
      tracked.detector->setConfig(config->outlier_detection);
    }
    tracked.detector->setHosts(config->hosts, now);
    if (tracked.timer == nullptr || tracked.interval != config->outlier_detection->interval) {
      tracked.interval = config->outlier_detection->interval;
      tracked.timer =
          std::make_unique<Timer>(loop_.uv(), [this, name = name]() { onInterval(name); });
      tracked.timer->enableRepeating(tracked.interval);
    }
  }
}

void OutlierDetectionManager::wake() {
  if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
  loop_.post([weak = std::weak_ptr<OutlierDetectionManager*>(self_)]() {
    if (auto self = weak.lock(); self != nullptr) (*self)->checkStreaks();
  });
}

void OutlierDetectionManager::checkStreaks() {
  wake_pending_.store(false, std::memory_order_release);
  auto now = upstream::OutlierDetector::Clock::now();
  for (auto& [name, tracked] : clusters_) {
    if (tracked.detector->checkStreaks(now)) published(name, tracked);
  }
}

void OutlierDetectionManager::onInterval(const std::string& name) {
  auto it = clusters_.find(name);
  if (it == clusters_.end()) return;
  auto now = upstream::OutlierDetector::Clock::now();
  bool changed = it->second.detector->checkStreaks(now);
  changed |= it->second.detector->onInterval(now);
  if (changed) published(name, it->second);
}

void OutlierDetectionManager::published(const std::string& name, const Tracked& tracked) {
  size_t healthy = 0;
  for (const auto& host : tracked.config->hosts) healthy += host->healthy() ? 1 : 0;
  tracked.config->stats->membership_healthy.set(static_cast<int64_t>(healthy));
  health_changed_(name);
}

const upstream::OutlierDetector* OutlierDetectionManager::detector(
    const std::string& cluster) const {
  auto it = clusters_.find(cluster);
  return it == clusters_.end() ? nullptr : it->second.detector.get();
}

}  // namespace meshproxy::server
