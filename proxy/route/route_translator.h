#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "proxy/route/route.h"

namespace envoy::config::route::v3 {
class Route;
}

namespace meshproxy::route {

struct RouteTranslationLimits {
  uint32_t max_regex_program_size;
  uint32_t max_direct_response_body_size;  // RouteConfiguration default: 4096
  // typed_per_filter_config translators (may be empty: no filter has per-route config).
  const http::FindPerFilterConfigTranslator* find_per_filter_config = nullptr;
};

// Config time: one Route (match, action, header mutations) of `virtual_host`. Errors name the
// field within the route; the caller says which route.
absl::StatusOr<Route> translateRoute(const envoy::config::route::v3::Route& proto,
                                     const VirtualHost& virtual_host,
                                     const RouteTranslationLimits& limits);

}  // namespace meshproxy::route
