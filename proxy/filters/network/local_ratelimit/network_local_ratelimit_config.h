#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/core/time_source.h"
#include "proxy/core/token_bucket.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"

namespace envoy::extensions::filters::network::local_ratelimit::v3 {
class LocalRateLimit;
}

// envoy.filters.network.local_ratelimit: a token bucket of connections. Each new connection
// takes a token; without one it is closed before any byte reaches the next filter.
namespace meshproxy::filters::network_local_ratelimit {

struct NetworkLocalRateLimitConfig {
  // runtime_enabled.default_value (default true): false leaves every connection through.
  bool enabled = true;
  // Shared by every worker (exact, lock-free). With a share_key, shared also with every other
  // filter config naming that key and the same token_bucket, across config updates (Envoy's
  // share_key); without, a config update makes a new, full bucket.
  std::shared_ptr<AtomicTokenBucket> bucket;
  // local_ratelimit.<stat_prefix>.rate_limited, as Envoy names it.
  stats::Counter* rate_limited = nullptr;
};

// Every field of the proto translated: stat_prefix (required), token_bucket (required,
// fill_interval >= 50 ms as Envoy demands), runtime_enabled (its default_value; meshproxy has no
// runtime layer), share_key. Buckets start full at `now`.
absl::StatusOr<std::shared_ptr<const NetworkLocalRateLimitConfig>> translateNetworkLocalRateLimit(
    const envoy::extensions::filters::network::local_ratelimit::v3::LocalRateLimit& proto,
    const stats::Scope& root, MonotonicTime now);

}  // namespace meshproxy::filters::network_local_ratelimit
