#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proxy/http/header_map.h"
#include "proxy/matcher/header_matcher.h"
#include "proxy/matcher/query_parameter_matcher.h"
#include "proxy/network/address.h"
#include "proxy/route/rate_limit_descriptor.h"

namespace meshproxy::route {

// What the rate limit actions read from a request: a small view the filter fills from its
// stream, so descriptor extraction is testable without one.
struct RateLimitRequest {
  const http::HeaderMap& headers;
  // The downstream client (remote_address, masked_remote_address); null when unknown.
  const network::Address* remote_address = nullptr;
  // The cluster the route sends this request to (destination_cluster).
  std::string_view destination_cluster;
  // This proxy's service cluster, node.cluster / --service-cluster (source_cluster).
  std::string_view source_cluster;
};

// envoy.config.route.v3.RateLimit.Action, translated. Each appends one entry, or declines (the
// whole descriptor is then not produced), with Envoy's default keys.
namespace rate_limit_action {
struct SourceCluster {};       // "source_cluster": source_cluster
struct DestinationCluster {};  // "destination_cluster": destination_cluster
struct RemoteAddress {};       // "remote_address": the client IP
struct MaskedRemoteAddress {   // "masked_remote_address": "10.1.0.0/16"
  uint32_t v4_prefix_len = 32;
  uint32_t v6_prefix_len = 128;
};
struct RequestHeader {      // descriptor_key: the header's first value
  std::string header_name;  // lower case
  std::string descriptor_key;
  bool skip_if_absent = false;  // absent: skip this entry instead of declining
};
struct GenericKey {  // key (default "generic_key"): value
  std::string key;
  std::string value;
};
struct HeaderValueMatch {  // key (default "header_match"): value, when
  std::string key;         // every matcher matches == expect_match
  std::string value;
  bool expect_match = true;
  std::vector<matcher::HeaderMatcher> headers;
};
struct QueryParameterValueMatch {  // key (default "query_match"): value, likewise
  std::string key;
  std::string value;
  bool expect_match = true;
  std::vector<matcher::QueryParameterMatcher> query_parameters;
};
}  // namespace rate_limit_action

using RateLimitAction =
    std::variant<rate_limit_action::SourceCluster, rate_limit_action::DestinationCluster,
                 rate_limit_action::RemoteAddress, rate_limit_action::MaskedRemoteAddress,
                 rate_limit_action::RequestHeader, rate_limit_action::GenericKey,
                 rate_limit_action::HeaderValueMatch, rate_limit_action::QueryParameterValueMatch>;

// One `rate_limits` entry of a route or virtual host: its actions, in order, make one
// descriptor.
struct RateLimitPolicyEntry {
  uint32_t stage = 0;
  // A runtime key. The local rate limit filter skips entries that have one (Envoy's rule); the
  // rate limit service filter keeps them (no runtime layer can disable them).
  std::string disable_key;
  std::vector<RateLimitAction> actions;

  // Appends this entry's descriptor to `out`. Appends nothing when an action declines (a
  // missing header without skip_if_absent, a failed match, no IP client address) or when
  // every action was skipped.
  void populate(const RateLimitRequest& request, RateLimitDescriptorList& out) const;
};

// A route's or virtual host's `rate_limits`, translated once at config time.
class RateLimitPolicy {
 public:
  RateLimitPolicy() = default;
  explicit RateLimitPolicy(std::vector<RateLimitPolicyEntry> entries);

  bool empty() const { return entries_.empty(); }
  // Whether some entry has this stage (Envoy's getApplicableRateLimit(stage) is not empty).
  bool hasStage(uint32_t stage) const;
  // Appends the descriptors of the entries of `stage`, in config order, skipping those with a
  // disable_key when `skip_disable_key`.
  void populate(uint32_t stage, bool skip_disable_key, const RateLimitRequest& request,
                RateLimitDescriptorList& out) const;

 private:
  std::vector<RateLimitPolicyEntry> entries_;
};

// envoy.extensions.common.ratelimit.v3.VhRateLimitsOptions: whether the virtual host's
// rate_limits count next to the route's.
enum class VhRateLimits : uint8_t {
  kOverride,  // the virtual host's only when the route has no rate_limits at all (the default)
  kInclude,   // both: the route's first
  kIgnore,    // the route's only
};

// Which filter asks: they treat disable_key differently.
enum class RateLimitFilterKind : uint8_t { kLocal, kGlobal };

// The descriptors a filter of `stage` uses: the route's and/or the virtual host's, per option.
void populateRateLimitDescriptors(const RateLimitPolicy& route, const RateLimitPolicy& virtual_host,
                                  VhRateLimits option, uint32_t stage, RateLimitFilterKind kind,
                                  const RateLimitRequest& request, RateLimitDescriptorList& out);

}  // namespace meshproxy::route
