#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "proxy/route/retry_policy.h"

namespace envoy::config::route::v3 {
class RetryPolicy;
class HedgePolicy;
}  // namespace envoy::config::route::v3

namespace meshproxy::route {

// Config time: RetryPolicy (virtual host or route) -> RetryPolicy. Errors name the field.
absl::StatusOr<RetryPolicy> translateRetryPolicy(const envoy::config::route::v3::RetryPolicy& proto,
                                                 uint32_t max_regex_program_size);

// HedgePolicy: hedge_on_per_try_timeout; initial_requests other than 1 and an
// additional_request_chance are rejected (not implemented).
absl::StatusOr<HedgePolicy> translateHedgePolicy(
    const envoy::config::route::v3::HedgePolicy& proto);

}  // namespace meshproxy::route
