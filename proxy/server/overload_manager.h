#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "proxy/config/overload_config.h"
#include "proxy/core/timer.h"
#include "proxy/stats/store.h"

namespace meshproxy::server {

// Envoy's overload manager on the main loop: every refresh_interval it reads each resource
// monitor's pressure (0..1), fires the actions whose threshold triggers are reached, and
// publishes them to the data path (core/overload_state.h); the downstream connections monitor
// also sets the global connection limit that listeners enforce at accept.
//
// Stats, as Envoy names them: overload.<monitor>.pressure (percent) and
// overload.<action>.active (0/1).
class OverloadManager {
 public:
  // Heap bytes in use; mallinfo2 by default (tests inject their own).
  using HeapUsage = std::function<uint64_t()>;
  OverloadManager(uv_loop_t* loop, config::OverloadConfig config, stats::Store& stats,
                  HeapUsage heap_usage = {});
  ~OverloadManager();

  // Sets the global connection limit, evaluates once and starts the refresh timer.
  void start();
  // One evaluation (the timer's job; tests call it directly).
  void refresh();

  static uint64_t mallocHeapInUse();

 private:
  struct MonitorState {
    const config::OverloadConfig::ResourceMonitor* config;
    stats::Gauge& pressure_percent;
    double pressure = 0;
  };
  struct ActionState {
    const config::OverloadConfig::OverloadAction* config;
    stats::Gauge& active_gauge;
  };

  double readPressure(const config::OverloadConfig::ResourceMonitor& monitor) const;

  config::OverloadConfig config_;
  HeapUsage heap_usage_;
  std::vector<MonitorState> monitors_;
  std::vector<ActionState> actions_;
  std::unique_ptr<Timer> timer_;
  std::chrono::steady_clock::time_point last_trim_{};
};

}  // namespace meshproxy::server
