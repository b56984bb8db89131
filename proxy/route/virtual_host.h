#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/http/header_map.h"
#include "proxy/route/header_mutations.h"
#include "proxy/route/route.h"

namespace meshproxy::route {

// What every virtual host of a RouteConfiguration shares.
struct RouteConfigCommon {
  HeaderMutations request_mutations;
  HeaderMutations response_mutations;
  bool most_specific_header_mutations_wins = false;
  bool ignore_path_parameters_in_path_matching = false;
  PerFilterConfigs per_filter_configs;  // the least specific level
};

// A virtual host: its routes, tried in order, and its header mutations. Plain immutable data
// once the table is built; `routes` point back at it, so it never moves (RouteTable owns it
// by unique_ptr).
struct VirtualHost {
  std::string name;
  std::vector<Route> routes;
  // VirtualHost.metadata as configured; null: none.
  protobuf::MetadataSharedPtr metadata;
  HeaderMutations request_mutations;
  HeaderMutations response_mutations;
  PerFilterConfigs per_filter_configs;
  // rate_limits: the virtual host's descriptors (VhRateLimits says when they count).
  RateLimitPolicy rate_limits;
  // The virtual host's `cors` policy, translated by the CORS filter; null when not set.
  http::RouteSpecificFilterConfigSharedPtr cors;
  const RouteConfigCommon* route_config = nullptr;
  // Defaults for the routes that set none (null / unset: none).
  std::shared_ptr<const RetryPolicy> retry_policy;
  std::optional<HedgePolicy> hedge_policy;
  // x-envoy-attempt-count on the request sent upstream / on the response sent downstream.
  bool include_request_attempt_count = false;
  bool include_attempt_count_in_response = false;

  // The first route that matches, or nullptr. `random`: the stream's, for runtime_fraction.
  const Route* match(const http::HeaderMap& request_headers, uint64_t random = 0) const;
};

}  // namespace meshproxy::route
