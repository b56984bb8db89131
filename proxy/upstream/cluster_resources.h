#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/stats/gauge.h"
#include "proxy/stats/store.h"
#include "proxy/upstream/circuit_breakers.h"

namespace meshproxy::upstream {

// What one cluster has open right now, across all workers, per ResourcePriority: the numbers
// circuit breakers (max_connections, max_pending_requests, max_requests, max_retries,
// retry_budget, max_connection_pools) compare against. Atomics, because every worker counts
// into the same object (as Envoy's ResourceManager does). One object per cluster name,
// shared by every config of that cluster that is alive (forCluster), so the counts carry
// across CDS updates and snapshots as stats do: a request that started on the old config
// releases into the same counter the new config reads.
//
// The limits are not stored here: they belong to the config the caller runs on and are
// passed to canCreate()/inc(). Check-then-increment is not atomic across workers; like Envoy,
// a limit may be overshot by the number of workers racing for the last slot.
class ClusterResources {
 public:
  // One counted resource and its circuit_breakers.<priority>.* gauges: `open` is 1 while the
  // count is at or above the limit, `remaining` (track_remaining only) the room left.
  class Resource {
   public:
    bool canCreate(uint64_t max) const { return static_cast<uint64_t>(clamped()) < max; }
    // `max`: the limit of the config of whoever counts; kept for the gauges of dec().
    void inc(uint64_t max = kNoLimit) {
      max_.store(max, std::memory_order_relaxed);
      publish(value_.fetch_add(1, std::memory_order_relaxed) + 1, max);
    }
    void dec() {
      publish(value_.fetch_sub(1, std::memory_order_relaxed) - 1,
              max_.load(std::memory_order_relaxed));
    }
    int64_t value() const { return value_.load(std::memory_order_relaxed); }

   private:
    friend class ClusterResources;
    static constexpr uint64_t kNoLimit = ~uint64_t{0};
    int64_t clamped() const { return value() < 0 ? 0 : value(); }
    void publish(int64_t value, uint64_t max);

    std::atomic<int64_t> value_{0};
    std::atomic<uint64_t> max_{kNoLimit};
    stats::Gauge* open_ = nullptr;  // set once, before the object is shared
    std::atomic<stats::Gauge*> remaining_{nullptr};
  };

  // The counters of one priority.
  struct Priority {
    Resource connections;       // upstream connections open or connecting
    Resource pending_requests;  // requests waiting for a connection
    Resource requests;          // requests (attempts) holding a stream
    Resource retries;           // retries in flight
    Resource connection_pools;  // connection pools (one per worker, host and protocol)
  };

  ClusterResources() = default;
  ClusterResources(const ClusterResources&) = delete;
  ClusterResources& operator=(const ClusterResources&) = delete;

  Priority& at(ResourcePriority priority) { return by_priority_[static_cast<size_t>(priority)]; }
  const Priority& at(ResourcePriority priority) const {
    return by_priority_[static_cast<size_t>(priority)];
  }

  // The retry-admission hook (max_retries, or retry_budget when set): true and counted when a
  // retry may start now; the caller calls retryDone() when that retry's attempt ends. A
  // refused retry is the caller's upstream_rq_retry_overflow.
  bool tryStartRetry(ResourcePriority priority, const ResourceLimits& limits);
  void retryDone(ResourcePriority priority) { at(priority).retries.dec(); }
  // How many retries may be in flight now (the budget moves with the active requests).
  uint64_t maxRetries(ResourcePriority priority, const ResourceLimits& limits) const;

  // Creates the remaining_* gauges of priorities whose limits track_remaining. Config time.
  void trackRemaining(const CircuitBreakers& breakers);

  // The object for `cluster_name` in `store`: the one a live config already uses, else a new
  // one with its circuit_breakers.* gauges. Config time (translation); takes a lock.
  static std::shared_ptr<ClusterResources> forCluster(stats::Store& store,
                                                      std::string_view cluster_name);
  // Without stats (tests, placeholders): no gauges.
  static std::shared_ptr<ClusterResources> unshared() {
    return std::make_shared<ClusterResources>();
  }

 private:
  void bindGauges(stats::Store& store, std::string_view cluster_name);

  std::array<Priority, kResourcePriorities> by_priority_;
  stats::Store* store_ = nullptr;
  std::string name_;
};

using ClusterResourcesSharedPtr = std::shared_ptr<ClusterResources>;

}  // namespace meshproxy::upstream
