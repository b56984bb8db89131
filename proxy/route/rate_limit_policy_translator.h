#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "proxy/matcher/regex.h"
#include "proxy/route/rate_limit_policy.h"

namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}
namespace envoy::config::route::v3 {
class RateLimit;
}

namespace meshproxy::route {

// Config time: a route's or virtual host's `rate_limits`. Every field is translated or refused
// by name: the actions source_cluster, destination_cluster, request_headers, remote_address,
// masked_remote_address, generic_key, header_value_match and query_parameter_value_match are
// implemented; metadata, dynamic_metadata, extension and the `limit` override (which read
// dynamic metadata) are refused. `disable_key` is kept: the local rate limit filter skips such
// entries, the rate limit service filter keeps them (a runtime key meshproxy has no runtime
// layer to set, so, as in Envoy without an override, they stay enabled). Errors name the path
// from `rate_limits` ("rate_limits[0].actions[1].request_headers.header_name: ...").
absl::StatusOr<RateLimitPolicy> translateRateLimits(
    const google::protobuf::RepeatedPtrField<envoy::config::route::v3::RateLimit>& proto,
    uint32_t max_program_size = matcher::kDefaultMaxRegexProgramSize);

}  // namespace meshproxy::route
