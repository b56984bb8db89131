#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

namespace meshproxy::upstream {

// What one cluster has open right now, across all workers: the numbers circuit breakers
// (max_connections, max_pending_requests, max_requests, max_retries) compare against.
// Atomics, because every worker counts into the same object. One object per cluster name,
// shared by every config of that cluster that is alive (forCluster), so the counts carry
// across CDS updates and snapshots as stats do: a request that started on the old config
// releases into the same counter the new config reads.
class ClusterResources {
 public:
  class Count {
   public:
    void inc() { value_.fetch_add(1, std::memory_order_relaxed); }
    void dec() { value_.fetch_sub(1, std::memory_order_relaxed); }
    int64_t value() const { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<int64_t> value_{0};
  };

  Count connections;       // upstream connections open or connecting
  Count pending_requests;  // requests waiting for a connection
  Count requests;          // requests (attempts) in flight
  Count retries;           // retries in flight (tryStartRetry .. retryDone)

  // The router asks before each retry (Envoy's retries resource): true and counted when
  // fewer than max_retries are in flight, false (upstream_rq_retry_overflow) otherwise. The
  // retry holds its place until retryDone(), when its outcome is known. The limit is
  // circuit_breakers' max_retries (Envoy's default 3 when none is configured); a retry_budget
  // would decide here too.
  bool tryStartRetry() {
    if (retries.value() >= static_cast<int64_t>(max_retries.load(std::memory_order_relaxed))) {
      return false;
    }
    retries.inc();
    return true;
  }
  void retryDone() { retries.dec(); }
  // Written at config time (circuit_breakers.thresholds.max_retries), read per retry.
  std::atomic<uint64_t> max_retries{3};

  // The object for `cluster_name`: the one a live config already uses, else a new one.
  // Config time (translation); takes a lock.
  static std::shared_ptr<ClusterResources> forCluster(std::string_view cluster_name);
};

using ClusterResourcesSharedPtr = std::shared_ptr<ClusterResources>;

}  // namespace meshproxy::upstream
