#include "proxy/filters/http/local_ratelimit/local_ratelimit_decision.h"

#include <string>

namespace meshproxy::filters::local_ratelimit {

LocalRateLimitStats makeLocalRateLimitStats(const stats::Scope& root,
                                            std::string_view stat_prefix) {
  const stats::Scope s = root.scope(stat_prefix).scope("http_local_rate_limit");
  return {s.counter("enabled"), s.counter("enforced"), s.counter("rate_limited"), s.counter("ok")};
}

template <typename Bucket>
LocalRateLimitDecision decideRequest(const LocalRateLimitConfig& config,
                                     LocalRateLimiter<Bucket>& limiter,
                                     std::span<const route::RateLimitDescriptor> descriptors,
                                     MonotonicTime now, RandomSource& random,
                                     const LocalRateLimitStats& stats) {
  LocalRateLimitDecision d;
  if (!config.filter_enabled.enabled(random.next())) return d;
  stats.enabled.inc();
  const RateLimitResult result = limiter.requestAllowed(descriptors, now);
  if (config.x_ratelimit_headers) d.x_ratelimit = limiter.xRateLimit(result, now);
  if (result.allowed) {
    stats.ok.inc();
    d.action = LocalRateLimitAction::kAllowed;
    return d;
  }
  stats.rate_limited.inc();
  if (!config.filter_enforced.enabled(random.next())) {
    d.action = LocalRateLimitAction::kLimitedNotEnforced;
    return d;
  }
  stats.enforced.inc();
  d.action = LocalRateLimitAction::kLimited;
  return d;
}

template LocalRateLimitDecision decideRequest<AtomicTokenBucket>(
    const LocalRateLimitConfig&, LocalRateLimiter<AtomicTokenBucket>&,
    std::span<const route::RateLimitDescriptor>, MonotonicTime, RandomSource&,
    const LocalRateLimitStats&);
template LocalRateLimitDecision decideRequest<TokenBucket>(
    const LocalRateLimitConfig&, LocalRateLimiter<TokenBucket>&,
    std::span<const route::RateLimitDescriptor>, MonotonicTime, RandomSource&,
    const LocalRateLimitStats&);

void addXRateLimitHeaders(const XRateLimitValues& values, http::HeaderMap& headers) {
  // Formatting only on the responses of a filter configured to send these headers.
  headers.set("x-ratelimit-limit", std::to_string(values.limit));
  headers.set("x-ratelimit-remaining", std::to_string(values.remaining));
  headers.set("x-ratelimit-reset", std::to_string(values.reset_seconds));
}

}  // namespace meshproxy::filters::local_ratelimit
