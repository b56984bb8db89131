#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/core/fractional_percent.h"
#include "proxy/core/time_source.h"
#include "proxy/filters/http/local_ratelimit/local_rate_limiter.h"
#include "proxy/route/header_mutations.h"
#include "proxy/route/rate_limit_policy.h"

namespace envoy::extensions::filters::http::local_ratelimit::v3 {
class LocalRateLimit;
}

namespace meshproxy::filters::local_ratelimit {

// envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit, translated once: the filter's
// config, or a route's (typed_per_filter_config). Immutable except the shared buckets.
struct LocalRateLimitConfig {
  std::string stat_prefix;  // stats: <stat_prefix>.http_local_rate_limit.{enabled,ok,...}
  // status.code when it is 400 or more, else 429 (Envoy's rule).
  uint32_t status = 429;
  // The gRPC status of the local reply to a gRPC request: RESOURCE_EXHAUSTED (8) with
  // rate_limited_as_resource_exhausted; otherwise nullopt, the HTTP mapping (429 -> UNAVAILABLE).
  std::optional<uint32_t> grpc_status;
  // Unset fractions are 0%: a limiter is neither enabled nor enforced until configured so.
  FractionalPercent filter_enabled = FractionalPercent::never();
  FractionalPercent filter_enforced = FractionalPercent::never();
  route::HeaderMutations request_headers_to_add_when_not_enforced;
  route::HeaderMutations response_headers_to_add;  // on the 429 local reply
  uint32_t stage = 0;                              // which route rate_limits entries apply
  route::VhRateLimits vh_rate_limits = route::VhRateLimits::kOverride;
  bool x_ratelimit_headers = false;  // enable_x_ratelimit_headers: DRAFT_VERSION_03

  LocalRateLimiterSpec limiter_spec;
  std::shared_ptr<const DescriptorIndex> descriptor_index;
  // local_rate_limit_per_downstream_connection: each connection makes its own limiter with
  // makeConnectionLimiter(); shared_limiter is then null.
  bool per_connection = false;
  // The buckets every worker shares (the default). A config update makes new, full buckets, as
  // in Envoy.
  std::shared_ptr<SharedLocalRateLimiter> shared_limiter;

  bool hasDescriptors() const { return !limiter_spec.descriptors.empty(); }
  std::unique_ptr<ConnectionLocalRateLimiter> makeConnectionLimiter(MonotonicTime now) const {
    return std::make_unique<ConnectionLocalRateLimiter>(limiter_spec, descriptor_index, now);
  }
};

// Every field is translated or refused by name; local_cluster_rate_limit (a share of the limit
// per member of the local cluster) is refused. `per_route`: a route's config must have a
// token_bucket (Envoy's rule). Buckets start full at `now`.
absl::StatusOr<std::shared_ptr<const LocalRateLimitConfig>> translateLocalRateLimit(
    const envoy::extensions::filters::http::local_ratelimit::v3::LocalRateLimit& proto,
    bool per_route, MonotonicTime now);

}  // namespace meshproxy::filters::local_ratelimit
