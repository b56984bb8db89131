#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/core/name_slots.h"
#include "proxy/http/route_config.h"
#include "proxy/route/hash_policy.h"
#include "proxy/route/header_mutations.h"
#include "proxy/route/path_rewrite.h"
#include "proxy/route/per_filter_config.h"
#include "proxy/route/retry_policy.h"
#include "proxy/route/rate_limit_policy.h"

namespace meshproxy::route {

// Envoy's route timeout when RouteAction.timeout is not set.
inline constexpr std::chrono::milliseconds kDefaultRouteTimeout{15000};

// One WeightedCluster.clusters entry.
struct WeightedCluster {
  std::string name;
  uint32_t slot = NameSlots::kNone;  // clusterSlots().intern(name): how workers find it
  uint32_t weight = 0;               // relative to the other entries; 0 is never picked
  std::string host_rewrite_literal;
  // Applied before the route's own mutations (Envoy's order).
  HeaderMutations request_mutations;
  HeaderMutations response_mutations;
  PerFilterConfigs per_filter_configs;  // the most specific level
};

// A route that forwards to a cluster (envoy.config.route.v3.RouteAction), translated.
struct RouteAction {
  enum class ClusterSpecifier : uint8_t { kCluster, kClusterHeader, kWeightedClusters };

  ClusterSpecifier cluster_specifier = ClusterSpecifier::kCluster;
  // kCluster: the cluster name. kClusterHeader: the lower-case name of the request header that
  // holds the cluster name.
  std::string cluster;
  // kCluster: clusterSlots().intern(cluster), so the router indexes instead of hashing.
  uint32_t cluster_slot = NameSlots::kNone;
  // kWeightedClusters, in configuration order; total_weight is their sum (> 0).
  std::vector<WeightedCluster> weighted_clusters;
  uint64_t total_weight = 0;
  // weighted_clusters.header_name (lower case; "" = none): the request header whose value
  // picks the weighted cluster instead of the stream's random value, so one user sticks to
  // one version on every sidecar (see Route::weightedClusterValue).
  std::string weighted_clusters_header;
  // Status to answer when the cluster does not exist (cluster_not_found_response_code).
  uint32_t cluster_not_found_response_code = 503;

  PathRewrite path_rewrite;          // prefix_rewrite / regex_rewrite
  std::string host_rewrite_literal;  // "" = none
  // Set :authority to the chosen upstream host's hostname; the router does it, after load
  // balancing, because only then is the host known.
  bool auto_host_rewrite = false;
  bool append_x_forwarded_host = false;

  // RoutingPriority (0 DEFAULT, 1 HIGH): which circuit-breaker thresholds of the cluster the
  // request counts against (upstream::ResourcePriority has the same values).
  uint8_t priority = 0;

  // 0 disables. idle_timeout unset: the connection manager's stream_idle_timeout applies.
  std::chrono::milliseconds timeout = kDefaultRouteTimeout;
  std::optional<std::chrono::milliseconds> idle_timeout;

  // hash_policy: the request's hash for RING_HASH / MAGLEV clusters; empty: none.
  std::vector<HashPolicy> hash_policies;

  // max_stream_duration (the whole exchange, from the request headers, however long the
  // response streams; the connection manager enforces it). Set: `timeout` does not apply.
  std::optional<http::StreamDurationPolicy> stream_duration;

  // The route's own retry_policy / hedge_policy; unset: the virtual host's applies (Envoy:
  // the route's replaces the virtual host's, they do not merge). See Route::retryPolicy().
  std::shared_ptr<const RetryPolicy> retry_policy;
  std::optional<HedgePolicy> hedge_policy;
  // rate_limits: the descriptors the rate limit filters use for this route.
  RateLimitPolicy rate_limits;
  // The route's `cors` policy, translated by the CORS filter; null when not set.
  http::RouteSpecificFilterConfigSharedPtr cors;
};

// DirectResponseAction, translated.
struct DirectResponse {
  uint32_t status = 200;  // 200..599
  std::string body;       // may be empty
};

}  // namespace meshproxy::route
