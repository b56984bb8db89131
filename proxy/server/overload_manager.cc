#include "proxy/server/overload_manager.h"

#include <malloc.h>

#include <algorithm>

#include "proxy/core/log.h"
#include "proxy/core/overload_state.h"
#include "proxy/network/global_connection_limit.h"

namespace meshproxy::server {

using config::OverloadConfig;

namespace {
// Envoy's shrink_heap releases free memory at most this often while active.
constexpr std::chrono::seconds kShrinkHeapInterval{10};

uint32_t actionBit(OverloadConfig::Action action) {
  switch (action) {
    case OverloadConfig::Action::kStopAcceptingRequests:
      return overload::kStopAcceptingRequests;
    case OverloadConfig::Action::kStopAcceptingConnections:
      return overload::kStopAcceptingConnections;
    case OverloadConfig::Action::kDisableHttpKeepalive:
      return overload::kDisableHttpKeepalive;
    case OverloadConfig::Action::kShrinkHeap:
      return 0;  // done here, not by the data path
  }
  return 0;
}
}  // namespace

OverloadManager::OverloadManager(uv_loop_t* loop, OverloadConfig config, stats::Store& stats,
                                 HeapUsage heap_usage)
    : config_(std::move(config)),
      heap_usage_(heap_usage ? std::move(heap_usage) : HeapUsage(&mallocHeapInUse)) {
  stats::Scope scope = stats.rootScope().scope("overload");
  for (const auto& m : config_.monitors) {
    monitors_.push_back({&m, scope.scope(m.name).gauge("pressure")});
  }
  for (const auto& a : config_.actions) {
    actions_.push_back({&a, scope.scope(a.name).gauge("active")});
  }
  timer_ = std::make_unique<Timer>(loop, [this] { refresh(); });
}

OverloadManager::~OverloadManager() {
  timer_.reset();
  overload::setActiveActions(0);
}

uint64_t OverloadManager::mallocHeapInUse() {
  // Bytes handed out by malloc: in use in the arenas plus the large mmap'ed blocks (tcmalloc's
  // allocated bytes in Envoy's fixed_heap monitor).
  struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

void OverloadManager::start() {
  for (const auto& m : config_.monitors) {
    if (m.kind == OverloadConfig::Monitor::kDownstreamConnections) {
      network::setGlobalConnectionLimit(m.max);
    }
  }
  refresh();
  timer_->enableRepeating(config_.refresh_interval);
}

double OverloadManager::readPressure(const OverloadConfig::ResourceMonitor& monitor) const {
  uint64_t used = monitor.kind == OverloadConfig::Monitor::kFixedHeap
                      ? heap_usage_()
                      : network::globalConnectionCount();
  return std::min(1.0, static_cast<double>(used) / static_cast<double>(monitor.max));
}

void OverloadManager::refresh() {
  for (auto& m : monitors_) {
    m.pressure = readPressure(*m.config);
    m.pressure_percent.set(static_cast<int64_t>(m.pressure * 100));
  }
  uint32_t active = 0;
  bool shrink = false;
  for (auto& a : actions_) {
    bool fired = false;
    for (const auto& t : a.config->triggers) {
      for (const auto& m : monitors_) {
        if (m.config->name == t.monitor && m.pressure >= t.threshold) fired = true;
      }
    }
    if (fired != (a.active_gauge.value() != 0)) {
      log::warn("overload: action {} {}", a.config->name, fired ? "active" : "inactive");
    }
    a.active_gauge.set(fired ? 1 : 0);
    if (!fired) continue;
    active |= actionBit(a.config->action);
    if (a.config->action == OverloadConfig::Action::kShrinkHeap) shrink = true;
  }
  overload::setActiveActions(active);
  auto now = std::chrono::steady_clock::now();
  if (shrink && now - last_trim_ >= kShrinkHeapInterval) {
    last_trim_ = now;
    ::malloc_trim(0);
  }
}

}  // namespace meshproxy::server
