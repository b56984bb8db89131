#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/stats/store.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/outlier_detector.h"
#include "proxy/upstream/outlier_event_log.h"
#include "proxy/upstream/outlier_reporter.h"

namespace meshproxy::server {

// Outlier detection on the main thread: one OutlierDetector per cluster that has
// outlier_detection, run every `interval` by a timer and whenever a worker reports a streak
// that reached a consecutive_* threshold (OutlierWakeup). An ejection or its end is
// published as the host's FAILED_OUTLIER_CHECK health flag (atomic, seen by every worker);
// `health_changed(cluster)` then has every worker rebuild that cluster's balancer.
class OutlierDetectionManager : public upstream::OutlierWakeup {
 public:
  using HealthChanged = std::function<void(const std::string& cluster)>;
  // `event_log`: null for none.
  OutlierDetectionManager(EventLoop& loop, stats::Store& stats,
                          std::unique_ptr<upstream::OutlierEventLog> event_log,
                          HealthChanged health_changed);
  ~OutlierDetectionManager() override;

  // The clusters of a newly published snapshot (main thread): detectors start, follow
  // config and host changes, and stop with their cluster.
  void update(const upstream::ClusterMap& clusters);

  // Any thread (workers): coalesced into one check on the main loop.
  void wake() override;

  const upstream::OutlierDetector* detector(const std::string& cluster) const;

 private:
  struct Tracked {
    upstream::ClusterConfigSharedPtr config;
    std::unique_ptr<upstream::OutlierDetector> detector;
    std::unique_ptr<Timer> timer;
    std::chrono::milliseconds interval{0};
  };
  void checkStreaks();
  void onInterval(const std::string& name);
  void published(const std::string& name, const Tracked& tracked);

  EventLoop& loop_;
  stats::Store& stats_;
  std::unique_ptr<upstream::OutlierEventLog> event_log_;
  HealthChanged health_changed_;
  std::mt19937_64 random_{std::random_device{}()};
  absl::flat_hash_map<std::string, Tracked> clusters_;
  std::atomic<bool> wake_pending_{false};
  // Posted checks hold it weakly: one that runs after this object is gone does nothing.
  std::shared_ptr<OutlierDetectionManager*> self_;
};

}  // namespace meshproxy::server
