#include "proxy/upstream/outlier_detector.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "proxy/core/log.h"

namespace meshproxy::upstream {

std::string_view ejectionTypeName(OutlierEjectionType type) {
  switch (type) {
    case OutlierEjectionType::kConsecutive5xx:
      return "CONSECUTIVE_5XX";
    case OutlierEjectionType::kConsecutiveGatewayFailure:
      return "CONSECUTIVE_GATEWAY_FAILURE";
    case OutlierEjectionType::kSuccessRate:
      return "SUCCESS_RATE";
    case OutlierEjectionType::kConsecutiveLocalOriginFailure:
      return "CONSECUTIVE_LOCAL_ORIGIN_FAILURE";
    case OutlierEjectionType::kSuccessRateLocalOrigin:
      return "SUCCESS_RATE_LOCAL_ORIGIN";
    case OutlierEjectionType::kFailurePercentage:
      return "FAILURE_PERCENTAGE";
    case OutlierEjectionType::kFailurePercentageLocalOrigin:
      return "FAILURE_PERCENTAGE_LOCAL_ORIGIN";
  }
  return "UNKNOWN";
}

std::string_view ejectionStatSuffix(OutlierEjectionType type) {
  switch (type) {
    case OutlierEjectionType::kConsecutive5xx:
      return "consecutive_5xx";
    case OutlierEjectionType::kConsecutiveGatewayFailure:
      return "consecutive_gateway_failure";
    case OutlierEjectionType::kSuccessRate:
      return "success_rate";
    case OutlierEjectionType::kConsecutiveLocalOriginFailure:
      return "consecutive_local_origin_failure";
    case OutlierEjectionType::kSuccessRateLocalOrigin:
      return "local_origin_success_rate";
    case OutlierEjectionType::kFailurePercentage:
      return "failure_percentage";
    case OutlierEjectionType::kFailurePercentageLocalOrigin:
      return "local_origin_failure_percentage";
  }
  return "unknown";
}

namespace {
stats::Scope outlierScope(const stats::Scope& cluster) {
  return cluster.scope("outlier_detection");
}
}  // namespace

OutlierStats::OutlierStats(const stats::Scope& cluster_scope)
    : ejections_active(outlierScope(cluster_scope).gauge("ejections_active")),
      ejections_enforced_total(outlierScope(cluster_scope).counter("ejections_enforced_total")),
      ejections_overflow(outlierScope(cluster_scope).counter("ejections_overflow")),
      ejections_total(outlierScope(cluster_scope).counter("ejections_total")) {
  stats::Scope scope = outlierScope(cluster_scope);
  for (size_t i = 0; i < kOutlierEjectionTypes; ++i) {
    std::string_view suffix = ejectionStatSuffix(static_cast<OutlierEjectionType>(i));
    detected.push_back(&scope.counter(std::string("ejections_detected_") + std::string(suffix)));
    enforced.push_back(&scope.counter(std::string("ejections_enforced_") + std::string(suffix)));
  }
}

OutlierDetector::OutlierDetector(std::string cluster_name, OutlierDetectionConfigSharedPtr config,
                                 const stats::Scope& cluster_scope,
                                 std::function<uint64_t()> random,
                                 std::function<void(const OutlierEvent&)> log)
    : cluster_name_(std::move(cluster_name)),
      config_(std::move(config)),
      stats_(cluster_scope),
      random_(std::move(random)),
      log_(std::move(log)) {}

// The cluster's outlier detection goes (removed, or turned off): its ejections end with it.
OutlierDetector::~OutlierDetector() {
  for (HostState& state : hosts_) {
    if (ejected(state)) state.host->clearHealthFlag(HealthFlag::kFailedOutlierCheck);
  }
  stats_.ejections_active.sub(static_cast<int64_t>(ejections_active_));
}

void OutlierDetector::setHosts(const HostVector& hosts, Clock::time_point) {
  std::vector<HostState> next;
  next.reserve(hosts.size());
  absl::flat_hash_map<const Host*, HostState*> current;
  for (HostState& state : hosts_) current.emplace(state.host.get(), &state);
  for (const HostSharedPtr& host : hosts) {
    auto it = current.find(host.get());
    if (it != current.end()) {
      next.push_back(std::move(*it->second));
      current.erase(it);
      continue;
    }
    HostState state;
    state.host = host;
    state.last_totals = host->outcomeTotals();
    next.push_back(std::move(state));
  }
  // Hosts that left: an ejection of theirs no longer counts against max_ejection_percent.
  for (auto& [host, state] : current) {
    if (state->host == nullptr || !ejected(*state)) continue;
    state->host->clearHealthFlag(HealthFlag::kFailedOutlierCheck);
    --ejections_active_;
    stats_.ejections_active.dec();
  }
  hosts_ = std::move(next);
}

uint32_t OutlierDetector::numEjections(const Host& host) const {
  for (const HostState& state : hosts_) {
    if (state.host.get() == &host) return state.num_ejections;
  }
  return 0;
}

uint32_t OutlierDetector::enforcing(OutlierEjectionType type) const {
  const OutlierDetectionConfig& c = *config_;
  switch (type) {
    case OutlierEjectionType::kConsecutive5xx:
      return c.enforcing_consecutive_5xx;
    case OutlierEjectionType::kConsecutiveGatewayFailure:
      return c.enforcing_consecutive_gateway_failure;
    case OutlierEjectionType::kSuccessRate:
      return c.enforcing_success_rate;
    case OutlierEjectionType::kConsecutiveLocalOriginFailure:
      return c.enforcing_consecutive_local_origin_failure;
    case OutlierEjectionType::kSuccessRateLocalOrigin:
      return c.enforcing_local_origin_success_rate;
    case OutlierEjectionType::kFailurePercentage:
      return c.enforcing_failure_percentage;
    case OutlierEjectionType::kFailurePercentageLocalOrigin:
      return c.enforcing_failure_percentage_local_origin;
  }
  return 0;
}

std::optional<uint64_t> OutlierDetector::secsSince(const std::optional<Clock::time_point>& then,
                                                   Clock::time_point now) const {
  if (!then.has_value()) return std::nullopt;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now - *then).count());
}

// Envoy's DetectorImpl::ejectHost: at most max_ejection_percent of the hosts are out (one
// more would pass it: overflow), unless always_eject_one_host and none is; the enforcing_*
// percentage decides whether a detected outlier is really ejected.
bool OutlierDetector::eject(HostState& state, OutlierEjectionType type, Clock::time_point now,
                            OutlierEvent event) {
  const OutlierDetectionConfig& c = *config_;
  double percent_after =
      100.0 * static_cast<double>(ejections_active_ + 1) / static_cast<double>(hosts_.size());
  bool allowed = percent_after <= static_cast<double>(c.max_ejection_percent) ||
                 (c.always_eject_one_host && ejections_active_ == 0);
  if (!allowed) {
    stats_.ejections_overflow.inc();
    return false;
  }
  if (type == OutlierEjectionType::kConsecutive5xx || type == OutlierEjectionType::kSuccessRate) {
    stats_.ejections_total.inc();
  }
  uint32_t percent = enforcing(type);
  bool enforced = percent >= 100 || (percent > 0 && random_() % 100 < percent);
  event.type = type;
  event.eject = true;
  event.cluster_name = cluster_name_;
  std::string url = state.host->address().str();
  event.upstream_url = url;
  event.enforced = enforced;
  event.secs_since_last_action = secsSince(
      state.last_unejection.has_value() ? state.last_unejection : state.last_ejection, now);
  if (enforced) {
    stats_.ejections_enforced_total.inc();
    stats_.enforced[static_cast<size_t>(type)]->inc();
    state.host->setHealthFlag(HealthFlag::kFailedOutlierCheck);
    ++ejections_active_;
    stats_.ejections_active.inc();
    ++state.num_ejections;
    // The ejection time grows with each ejection in a row, up to max_ejection_time.
    if (static_cast<int64_t>(state.backoff) * c.base_ejection_time.count() <
        c.max_ejection_time.count() + c.base_ejection_time.count()) {
      ++state.backoff;
    }
    state.jitter =
        c.max_ejection_time_jitter.count() > 0
            ? std::chrono::milliseconds(
                  random_() % static_cast<uint64_t>(c.max_ejection_time_jitter.count() + 1))
            : std::chrono::milliseconds(0);
    state.last_ejection = now;
    state.last_type = type;
    log::info("outlier detection: cluster '{}' ejects {} ({}, ejection {})", cluster_name_, url,
              ejectionTypeName(type), state.num_ejections);
  }
  event.num_ejections = state.num_ejections;
  if (log_) log_(event);
  return enforced;
}

std::chrono::milliseconds OutlierDetector::ejectionTime(const HostState& state) const {
  const OutlierDetectionConfig& c = *config_;
  auto cap = std::max(c.max_ejection_time, c.base_ejection_time);
  return std::min(c.base_ejection_time * static_cast<int64_t>(state.backoff), cap) + state.jitter;
}

bool OutlierDetector::maybeUneject(HostState& state, Clock::time_point now) {
  if (!ejected(state)) {
    // Healthy for another interval: the next ejection will be shorter again.
    if (state.backoff > 0 && state.last_unejection.has_value() &&
        now - *state.last_unejection >= config_->interval) {
      --state.backoff;
    }
    return false;
  }
  if (!state.last_ejection.has_value() || now - *state.last_ejection < ejectionTime(state)) {
    return false;
  }
  state.host->clearHealthFlag(HealthFlag::kFailedOutlierCheck);
  --ejections_active_;
  stats_.ejections_active.dec();
  state.last_unejection = now;
  std::string url = state.host->address().str();
  log::info("outlier detection: cluster '{}' brings back {}", cluster_name_, url);
  if (log_) {
    OutlierEvent event;
    event.type = state.last_type;  // what the ejection that ends was for
    event.eject = false;
    event.cluster_name = cluster_name_;
    event.upstream_url = url;
    event.num_ejections = state.num_ejections;
    event.secs_since_last_action = secsSince(state.last_ejection, now);
    log_(event);
  }
  return true;
}

bool OutlierDetector::tripStreak(HostState& state, std::atomic<uint32_t>& streak,
                                 uint32_t threshold, OutlierEjectionType type,
                                 Clock::time_point now) {
  if (threshold == 0 || streak.load(std::memory_order_relaxed) < threshold) return false;
  // The streak is consumed whatever happens: the next one starts from zero.
  streak.store(0, std::memory_order_relaxed);
  if (ejected(state)) return false;
  stats_.detected[static_cast<size_t>(type)]->inc();
  return eject(state, type, now, OutlierEvent{});
}

bool OutlierDetector::checkStreaks(Clock::time_point now) {
  const OutlierDetectionConfig& c = *config_;
  bool changed = false;
  for (HostState& state : hosts_) {
    OutlierStreaks& streaks = state.host->outlierStreaks();
    if (c.split_external_local_origin_errors) {
      changed |= tripStreak(state, streaks.consecutive_local_origin_failure,
                            c.consecutive_local_origin_failure,
                            OutlierEjectionType::kConsecutiveLocalOriginFailure, now);
    }
    changed |= tripStreak(state, streaks.consecutive_5xx, c.consecutive_5xx,
                          OutlierEjectionType::kConsecutive5xx, now);
    changed |= tripStreak(state, streaks.consecutive_gateway_failure, c.consecutive_gateway_failure,
                          OutlierEjectionType::kConsecutiveGatewayFailure, now);
  }
  return changed;
}

// Envoy's success-rate detector: among hosts with at least success_rate_request_volume
// requests this interval (and at least success_rate_minimum_hosts of them), a host whose
// success rate is below mean - stdev_factor/1000 * stdev is an outlier.
bool OutlierDetector::successRate(Origin origin, Clock::time_point now) {
  const OutlierDetectionConfig& c = *config_;
  std::vector<std::pair<HostState*, double>> rates;
  for (HostState& state : hosts_) {
    uint64_t ok = origin == Origin::kExternal ? state.external_success : state.local_success;
    uint64_t bad = origin == Origin::kExternal ? state.external_failure : state.local_failure;
    uint64_t volume = ok + bad;
    if (volume == 0 || volume < c.success_rate_request_volume) continue;
    rates.emplace_back(&state, 100.0 * static_cast<double>(ok) / static_cast<double>(volume));
  }
  if (rates.empty() || rates.size() < c.success_rate_minimum_hosts) return false;
  double sum = 0;
  for (const auto& [state, rate] : rates) sum += rate;
  double mean = sum / static_cast<double>(rates.size());
  double variance = 0;
  for (const auto& [state, rate] : rates) variance += (rate - mean) * (rate - mean);
  variance /= static_cast<double>(rates.size());
  double threshold =
      mean - (static_cast<double>(c.success_rate_stdev_factor) / 1000.0) * std::sqrt(variance);
  auto type = origin == Origin::kExternal ? OutlierEjectionType::kSuccessRate
                                          : OutlierEjectionType::kSuccessRateLocalOrigin;
  bool changed = false;
  for (const auto& [state, rate] : rates) {
    if (rate >= threshold || ejected(*state)) continue;
    stats_.detected[static_cast<size_t>(type)]->inc();
    OutlierEvent event;
    event.host_success_rate = static_cast<uint32_t>(rate);
    event.cluster_average_success_rate = mean;
    event.cluster_success_rate_ejection_threshold = threshold;
    changed |= eject(*state, type, now, event);
  }
  return changed;
}

// Envoy's failure-percentage detector: among hosts with at least
// failure_percentage_request_volume requests (and at least failure_percentage_minimum_hosts
// of them), a host failing failure_percentage_threshold percent or more is an outlier.
bool OutlierDetector::failurePercentage(Origin origin, Clock::time_point now) {
  const OutlierDetectionConfig& c = *config_;
  std::vector<std::pair<HostState*, double>> failing;
  size_t qualifying = 0;
  for (HostState& state : hosts_) {
    uint64_t ok = origin == Origin::kExternal ? state.external_success : state.local_success;
    uint64_t bad = origin == Origin::kExternal ? state.external_failure : state.local_failure;
    uint64_t volume = ok + bad;
    if (volume == 0 || volume < c.failure_percentage_request_volume) continue;
    ++qualifying;
    double failure = 100.0 * static_cast<double>(bad) / static_cast<double>(volume);
    if (failure >= static_cast<double>(c.failure_percentage_threshold)) {
      failing.emplace_back(&state, failure);
    }
  }
  if (qualifying == 0 || qualifying < c.failure_percentage_minimum_hosts) return false;
  auto type = origin == Origin::kExternal ? OutlierEjectionType::kFailurePercentage
                                          : OutlierEjectionType::kFailurePercentageLocalOrigin;
  bool changed = false;
  for (const auto& [state, failure] : failing) {
    if (ejected(*state)) continue;
    stats_.detected[static_cast<size_t>(type)]->inc();
    OutlierEvent event;
    event.host_success_rate = static_cast<uint32_t>(100.0 - failure);
    changed |= eject(*state, type, now, event);
  }
  return changed;
}

bool OutlierDetector::onInterval(Clock::time_point now) {
  const bool split = config_->split_external_local_origin_errors;
  bool changed = false;
  for (HostState& state : hosts_) {
    changed |= maybeUneject(state, now);
    Host::OutcomeTotals totals = state.host->outcomeTotals();
    const Host::OutcomeTotals& last = state.last_totals;
    uint64_t success = totals.success - last.success;
    uint64_t error = totals.error - last.error;
    uint64_t local_failure = totals.local_origin_failure - last.local_origin_failure;
    uint64_t local_success = totals.local_origin_success - last.local_origin_success;
    state.last_totals = totals;
    state.external_success = success;
    // Not split: a local failure counts as the 5xx the proxy answered with.
    state.external_failure = split ? error : error + local_failure;
    state.local_success = local_success;
    state.local_failure = local_failure;
  }
  changed |= successRate(Origin::kExternal, now);
  changed |= failurePercentage(Origin::kExternal, now);
  if (split) {
    changed |= successRate(Origin::kLocal, now);
    changed |= failurePercentage(Origin::kLocal, now);
  }
  return changed;
}

}  // namespace meshproxy::upstream
