#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/scope.h"
#include "proxy/upstream/host.h"
#include "proxy/upstream/outlier_detection_config.h"

namespace meshproxy::upstream {

// Envoy's OutlierEjectionType.
enum class OutlierEjectionType {
  kConsecutive5xx,
  kConsecutiveGatewayFailure,
  kSuccessRate,
  kConsecutiveLocalOriginFailure,
  kSuccessRateLocalOrigin,
  kFailurePercentage,
  kFailurePercentageLocalOrigin,
};
inline constexpr size_t kOutlierEjectionTypes = 7;

// "CONSECUTIVE_5XX" (the event log's type) and "consecutive_5xx" (the stats' suffix).
std::string_view ejectionTypeName(OutlierEjectionType type);
std::string_view ejectionStatSuffix(OutlierEjectionType type);

// One line of the ejection event log (Envoy's envoy.data.cluster.v3.OutlierDetectionEvent).
struct OutlierEvent {
  OutlierEjectionType type;
  bool eject = true;  // false: UNEJECT
  std::string_view cluster_name;
  std::string_view upstream_url;
  uint32_t num_ejections = 0;
  bool enforced = false;
  std::optional<uint64_t> secs_since_last_action;
  // kSuccessRate*: the host's rate, the cluster's average and threshold; kFailurePercentage*:
  // the host's success rate.
  uint32_t host_success_rate = 0;
  double cluster_average_success_rate = 0;
  double cluster_success_rate_ejection_threshold = 0;
};

// cluster.<name>.outlier_detection.* stats.
struct OutlierStats {
  explicit OutlierStats(const stats::Scope& cluster_scope);
  stats::Gauge& ejections_active;
  stats::Counter& ejections_enforced_total;
  stats::Counter& ejections_overflow;
  stats::Counter& ejections_total;  // Envoy's deprecated total (consecutive 5xx, success rate)
  std::vector<stats::Counter*> detected;  // by OutlierEjectionType
  std::vector<stats::Counter*> enforced;
};

// The main thread's outlier detection for one cluster (Envoy's DetectorImpl): reads what
// workers counted into each host (streaks and outcome stripes, see outlier_reporter.h),
// decides ejections, and sets / clears the host's FAILED_OUTLIER_CHECK health flag. Returns
// whether any flag changed, so that the caller has the workers rebuild their healthy-host
// lists. Not thread-safe: main thread only. Time and randomness come from the caller.
class OutlierDetector {
 public:
  using Clock = std::chrono::steady_clock;
  // `random` returns a uniform number (enforcing_* percentages); `log` writes one event
  // (may be empty).
  OutlierDetector(std::string cluster_name, OutlierDetectionConfigSharedPtr config,
                  const stats::Scope& cluster_scope, std::function<uint64_t()> random,
                  std::function<void(const OutlierEvent&)> log);
  ~OutlierDetector();

  // A newer config or host list of the cluster. Hosts that left are forgotten (an ejected
  // one stops counting as active); new hosts start clean.
  void setConfig(OutlierDetectionConfigSharedPtr config) { config_ = std::move(config); }
  const OutlierDetectionConfig& config() const { return *config_; }
  void setHosts(const HostVector& hosts, Clock::time_point now);

  // consecutive_*: hosts whose streaks reached a threshold (a worker woke the main thread).
  bool checkStreaks(Clock::time_point now);
  // Every `interval`: ejections that served their time end; success rate and failure
  // percentage over what the hosts did since the last interval.
  bool onInterval(Clock::time_point now);

  size_t ejectedCount() const { return ejections_active_; }
  // Ejections of `host` so far (0 for an unknown host).
  uint32_t numEjections(const Host& host) const;

 private:
  struct HostState {
    HostSharedPtr host;
    uint32_t num_ejections = 0;
    uint32_t backoff = 0;  // ejection time multiplier
    OutlierEjectionType last_type = OutlierEjectionType::kConsecutive5xx;
    std::chrono::milliseconds jitter{0};
    std::optional<Clock::time_point> last_ejection;
    std::optional<Clock::time_point> last_unejection;
    Host::OutcomeTotals last_totals;  // at the previous interval
    // Since the previous interval (set by onInterval before the detectors run).
    uint64_t external_success = 0, external_failure = 0;
    uint64_t local_success = 0, local_failure = 0;
  };
  enum class Origin { kExternal, kLocal };

  bool ejected(const HostState& state) const {
    return state.host->healthFlag(HealthFlag::kFailedOutlierCheck);
  }
  uint32_t enforcing(OutlierEjectionType type) const;
  bool tripStreak(HostState& state, std::atomic<uint32_t>& streak, uint32_t threshold,
                  OutlierEjectionType type, Clock::time_point now);
  // Returns true when the host was ejected.
  bool eject(HostState& state, OutlierEjectionType type, Clock::time_point now, OutlierEvent event);
  bool maybeUneject(HostState& state, Clock::time_point now);
  std::chrono::milliseconds ejectionTime(const HostState& state) const;
  bool successRate(Origin origin, Clock::time_point now);
  bool failurePercentage(Origin origin, Clock::time_point now);
  std::optional<uint64_t> secsSince(const std::optional<Clock::time_point>& then,
                                    Clock::time_point now) const;

  const std::string cluster_name_;
  OutlierDetectionConfigSharedPtr config_;
  OutlierStats stats_;
  std::function<uint64_t()> random_;
  std::function<void(const OutlierEvent&)> log_;
  std::vector<HostState> hosts_;
  size_t ejections_active_ = 0;
};

}  // namespace meshproxy::upstream
