#include "proxy/upstream/outlier_reporter.h"

#include <atomic>

namespace meshproxy::upstream {
namespace {

std::atomic<OutlierWakeup*> g_wakeup{nullptr};

bool isGatewayError(uint32_t status) { return status == 502 || status == 503 || status == 504; }

// Adds one to a streak; wakes the main thread when it reaches `threshold` (only then: one
// wake-up per streak, the main thread resets the streak when it acts).
void extend(std::atomic<uint32_t>& streak, uint32_t threshold) {
  if (streak.fetch_add(1, std::memory_order_relaxed) + 1 == threshold) OutlierWakeup::notify();
}

// Cheap when there is no streak: a read of a line nobody writes, no store.
void end(std::atomic<uint32_t>& streak) {
  if (streak.load(std::memory_order_relaxed) != 0) streak.store(0, std::memory_order_relaxed);
}

// Envoy's putHttpResponseCode on the streaks.
void streakHttpStatus(OutlierStreaks& streaks, const OutlierDetectionConfig& config,
                      uint32_t status) {
  if (status >= 500 && status < 600) {
    if (isGatewayError(status)) {
      extend(streaks.consecutive_gateway_failure, config.consecutive_gateway_failure);
    } else {
      end(streaks.consecutive_gateway_failure);
    }
    extend(streaks.consecutive_5xx, config.consecutive_5xx);
    return;
  }
  end(streaks.consecutive_5xx);
  end(streaks.consecutive_gateway_failure);
}

}  // namespace

void OutlierWakeup::set(OutlierWakeup* wakeup) {
  g_wakeup.store(wakeup, std::memory_order_release);
}

void OutlierWakeup::notify() {
  if (OutlierWakeup* wakeup = g_wakeup.load(std::memory_order_acquire); wakeup != nullptr) {
    wakeup->wake();
  }
}

void reportHttpStatus(const Host& host, uint32_t worker_index, const ClusterConfig& cluster,
                      uint32_t status) {
  HostOutcomes& outcomes = host.outcomes(worker_index);
  (status >= 500 ? outcomes.error : outcomes.success).fetch_add(1, std::memory_order_relaxed);
  if (cluster.outlier_detection == nullptr) return;
  streakHttpStatus(host.outlierStreaks(), *cluster.outlier_detection, status);
}

void reportLocalOrigin(const Host& host, uint32_t worker_index, const ClusterConfig& cluster,
                       LocalOriginResult result) {
  HostOutcomes& outcomes = host.outcomes(worker_index);
  const bool success = result == LocalOriginResult::kConnectSuccess ||
                       result == LocalOriginResult::kConnectSuccessFinal;
  const OutlierDetectionConfig* config = cluster.outlier_detection.get();
  if (result == LocalOriginResult::kConnectSuccessFinal &&
      (config == nullptr || !config->split_external_local_origin_errors)) {
    // Not split: a tcp_proxy connection that came up is the host's success (Envoy: a 200).
    reportHttpStatus(host, worker_index, cluster, 200);
    return;
  }
  (success ? outcomes.local_origin_success : outcomes.local_origin_failure)
      .fetch_add(1, std::memory_order_relaxed);
  if (config == nullptr) return;
  OutlierStreaks& streaks = host.outlierStreaks();
  if (config->split_external_local_origin_errors) {
    if (success) {
      end(streaks.consecutive_local_origin_failure);
    } else {
      extend(streaks.consecutive_local_origin_failure, config->consecutive_local_origin_failure);
    }
    return;
  }
  // Not split: Envoy maps a local failure to the 5xx it answers with (timeout 504, else 503);
  // a connect success says nothing yet (the response will).
  if (success) return;
  streakHttpStatus(streaks, *config, result == LocalOriginResult::kTimeout ? 504 : 503);
}

}  // namespace meshproxy::upstream
