#pragma once

#include <cstdint>

#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/host.h"

// What workers tell outlier detection about each request to a host (Envoy's
// DetectorHostMonitor::putResult / putHttpResponseCode). Workers only count: into the host's
// per-worker outcome stripe (success rate, failure percentage: summed by the main thread each
// interval) and, when the cluster has outlier_detection, into the host's shared streaks
// (consecutive_*). A streak reaching its threshold wakes the main thread, which decides and
// publishes ejections (server/outlier_detection_manager.h).
namespace meshproxy::upstream {

// What the proxy itself saw go wrong (or right) with a host, apart from its HTTP responses.
enum class LocalOriginResult {
  kConnectFailed,        // connect failed or timed out (Envoy: LocalOriginConnectFailed)
  kTimeout,              // the request timed out (LocalOriginTimeout)
  kReset,                // the connection closed or reset mid-request
  kConnectSuccess,       // connected; the response will tell more (LocalOriginConnectSuccess)
  kConnectSuccessFinal,  // connected, and that is the whole exchange (tcp_proxy)
};

// Called (from any worker) when a streak reaches a threshold. Set once by the server before
// its workers start; null: nobody listens (unit tests).
class OutlierWakeup {
 public:
  virtual ~OutlierWakeup() = default;
  virtual void wake() = 0;
  static void set(OutlierWakeup* wakeup);
  static void notify();
};

// A response with `status` from `host`.
void reportHttpStatus(const Host& host, uint32_t worker_index, const ClusterConfig& cluster,
                      uint32_t status);
void reportLocalOrigin(const Host& host, uint32_t worker_index, const ClusterConfig& cluster,
                       LocalOriginResult result);

}  // namespace meshproxy::upstream
