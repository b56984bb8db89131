#pragma once

#include <optional>
#include <span>

#include "proxy/core/random.h"
#include "proxy/core/time_source.h"
#include "proxy/filters/http/local_ratelimit/local_ratelimit_config.h"
#include "proxy/http/header_map.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"

// envoy.filters.http.local_ratelimit's decodeHeaders, without the filter API: filter_enabled
// and filter_enforced draws, the buckets, the stats, and what the filter then does. The glue
// computes the request's descriptors (route/rate_limit_policy.h), calls decideRequest(), and
// acts: continue, add request_headers_to_add_when_not_enforced, or send the local reply
// (config.status, config.grpc_status, response_headers_to_add); in encodeHeaders, and on the
// local reply, it adds the x-ratelimit-* headers when the decision carries them.
namespace meshproxy::filters::local_ratelimit {

// <stat_prefix>.http_local_rate_limit.{enabled,enforced,rate_limited,ok}, as Envoy names them.
struct LocalRateLimitStats {
  stats::Counter& enabled;
  stats::Counter& enforced;
  stats::Counter& rate_limited;
  stats::Counter& ok;
};
// `root`: the scope the filter's stats hang off (the connection manager's for HTTP).
LocalRateLimitStats makeLocalRateLimitStats(const stats::Scope& root, std::string_view stat_prefix);

enum class LocalRateLimitAction : uint8_t {
  kDisabled,            // filter_enabled drew no: the request is not looked at
  kAllowed,             // a token was there
  kLimitedNotEnforced,  // no token, filter_enforced drew no: pass, with the request headers
  kLimited,             // no token: answer with config.status
};

struct LocalRateLimitDecision {
  LocalRateLimitAction action = LocalRateLimitAction::kDisabled;
  // enable_x_ratelimit_headers and a bucket to describe: the values for the response.
  std::optional<XRateLimitValues> x_ratelimit;
};

// The limiter is the config's shared one, or the connection's own (per_connection): the glue
// passes whichever applies. One draw for filter_enabled, one for filter_enforced (only when
// limited).
template <typename Bucket>
LocalRateLimitDecision decideRequest(const LocalRateLimitConfig& config,
                                     LocalRateLimiter<Bucket>& limiter,
                                     std::span<const route::RateLimitDescriptor> descriptors,
                                     MonotonicTime now, RandomSource& random,
                                     const LocalRateLimitStats& stats);

extern template LocalRateLimitDecision decideRequest<AtomicTokenBucket>(
    const LocalRateLimitConfig&, LocalRateLimiter<AtomicTokenBucket>&,
    std::span<const route::RateLimitDescriptor>, MonotonicTime, RandomSource&,
    const LocalRateLimitStats&);
extern template LocalRateLimitDecision decideRequest<TokenBucket>(
    const LocalRateLimitConfig&, LocalRateLimiter<TokenBucket>&,
    std::span<const route::RateLimitDescriptor>, MonotonicTime, RandomSource&,
    const LocalRateLimitStats&);

// x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset (draft-polli-ratelimit-headers-03).
void addXRateLimitHeaders(const XRateLimitValues& values, http::HeaderMap& headers);

}  // namespace meshproxy::filters::local_ratelimit
