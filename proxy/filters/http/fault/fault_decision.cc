#include "proxy/filters/http/fault/fault_decision.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "proxy/core/strings.h"

namespace meshproxy::filters::fault {
namespace {

std::optional<uint64_t> headerNumber(const http::HeaderMap& headers, std::string_view name) {
  auto value = headers.get(name);
  uint64_t n = 0;
  if (!value || !absl::SimpleAtoi(toAbsl(*value), &n)) return std::nullopt;
  return n;
}

// The configured percentage, lowered by the request's <header>-percentage when the fault is
// header-controlled (Envoy: min(header numerator, configured numerator), same denominator).
FractionalPercent effectivePercentage(const FaultPercentage& p, const http::HeaderMap& request,
                                      std::string_view percentage_header) {
  if (!p.header_controlled) return p.configured;
  auto n = headerNumber(request, percentage_header);
  if (!n) return p.configured;
  FractionalPercent out = p.configured;
  out.numerator = static_cast<uint32_t>(std::min<uint64_t>(*n, p.configured.numerator));
  return out;
}

bool drawn(const FaultPercentage& p, const http::HeaderMap& request,
           std::string_view percentage_header, RandomSource& random) {
  return effectivePercentage(p, request, percentage_header).enabled(random.next());
}

std::optional<std::chrono::milliseconds> delayFor(const DelayFault& d,
                                                  const http::HeaderMap& request) {
  std::chrono::milliseconds duration{0};
  if (d.fixed) {
    duration = *d.fixed;
  } else {
    auto ms = headerNumber(request, kDelayHeader);
    if (!ms) return std::nullopt;
    duration = std::chrono::milliseconds(*ms);
  }
  // Envoy delays only for a positive duration.
  if (duration.count() <= 0) return std::nullopt;
  return duration;
}

std::optional<AbortAction> abortFor(const AbortFault& a, const http::HeaderMap& request) {
  if (!a.header_controlled) {
    if (a.http_status) return AbortAction{*a.http_status, std::nullopt};
    return AbortAction{200, a.grpc_status};
  }
  // x-envoy-fault-abort-request: an HTTP status in [200, 600); it takes precedence over the
  // gRPC header when both are valid.
  if (auto status = headerNumber(request, kAbortHeader);
      status && *status >= 200 && *status < 600) {
    return AbortAction{static_cast<uint32_t>(*status), std::nullopt};
  }
  if (auto grpc = headerNumber(request, kAbortGrpcHeader); grpc && *grpc <= UINT32_MAX) {
    return AbortAction{200, static_cast<uint32_t>(*grpc)};
  }
  return std::nullopt;
}

std::optional<uint64_t> rateFor(const ResponseRateLimitFault& r, const http::HeaderMap& request) {
  if (r.fixed_kbps) return r.fixed_kbps;
  auto kbps = headerNumber(request, kThroughputHeader);
  if (!kbps || *kbps == 0) return std::nullopt;
  return kbps;
}

bool matchesRequest(const FaultConfig& config, const http::HeaderMap& request,
                    std::string_view route_cluster) {
  if (!config.upstream_cluster.empty() && config.upstream_cluster != route_cluster) return false;
  if (!config.downstream_nodes.empty()) {
    auto node = request.get(kDownstreamNodeHeader);
    if (!node || !config.downstream_nodes.contains(toAbsl(*node))) return false;
  }
  for (const matcher::HeaderMatcher& m : config.headers) {
    if (!m.matches(request)) return false;
  }
  return true;
}

}  // namespace

ActiveFaultSlot& ActiveFaultSlot::operator=(ActiveFaultSlot&& other) noexcept {
  if (this != &other) {
    if (active_ != nullptr) active_->leave();
    active_ = other.active_;
    other.active_ = nullptr;
  }
  return *this;
}

FaultDecision decideFaults(const FaultConfig& config, const http::HeaderMap& request,
                           std::string_view route_cluster, RandomSource& random) {
  return decideFaults(config, *config.stats, *config.active, request, route_cluster, random);
}

FaultDecision decideFaults(const FaultConfig& config, const FaultStats& stats,
                           ActiveFaults& active, const http::HeaderMap& request,
                           std::string_view route_cluster, RandomSource& random) {
  FaultDecision d;
  if (!config.delay && !config.abort && !config.response_rate_limit) return d;
  if (!matchesRequest(config, request, route_cluster)) return d;
  if (config.max_active_faults && active.count() >= *config.max_active_faults) {
    stats.faults_overflow.inc();
    return d;
  }
  if (config.response_rate_limit) {
    const ResponseRateLimitFault& r = *config.response_rate_limit;
    if (auto kbps = rateFor(r, request);
        kbps && drawn(r.percentage, request, kThroughputPercentageHeader, random)) {
      d.response_rate_kbps = kbps;
    }
  }
  if (config.delay && drawn(config.delay->percentage, request, kDelayPercentageHeader, random)) {
    d.delay = delayFor(*config.delay, request);
  }
  if (config.abort && drawn(config.abort->percentage, request, kAbortPercentageHeader, random)) {
    d.abort = abortFor(*config.abort, request);
  }
  if (!d.any()) return d;
  // One slot per request whatever the number of faults; the overflow check above and this
  // exact one can disagree only when another worker took the last slot in between.
  if (!active.tryEnter(config.max_active_faults)) {
    stats.faults_overflow.inc();
    return FaultDecision{};
  }
  d.slot = ActiveFaultSlot(&active);
  const std::string_view downstream = request.get(kDownstreamClusterHeader).value_or("");
  if (d.response_rate_kbps) stats.response_rl_injected.inc();
  if (d.delay) stats.recordDelay(downstream);
  if (d.abort) stats.recordAbort(downstream);
  return d;
}

}  // namespace meshproxy::filters::fault
