#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "proxy/route/route_match.h"

namespace envoy::config::route::v3 {
class RouteMatch;
}

namespace meshproxy::route {

// Config time: a route's `match`. Errors name the field ("match.safe_regex: ...").
absl::StatusOr<RouteMatch> translateRouteMatch(const envoy::config::route::v3::RouteMatch& proto,
                                               uint32_t max_program_size);

}  // namespace meshproxy::route
