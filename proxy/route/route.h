#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "proxy/accesslog/stream_info.h"
#include "proxy/http/header_map.h"
#include "proxy/http/route_config.h"
#include "proxy/protobuf/metadata.h"
#include "proxy/route/header_mutations.h"
#include "proxy/route/per_filter_config.h"
#include "proxy/route/redirect.h"
#include "proxy/route/route_action.h"
#include "proxy/route/route_match.h"

namespace meshproxy::route {

struct VirtualHost;

// Envoy's x-envoy-original-path: the :path before a rewrite.
inline constexpr std::string_view kOriginalPathHeader = "x-envoy-original-path";

// One route of a virtual host: its match conditions and what it does with a matching request.
// Immutable and shared by workers; every method is const and thread-safe.
class Route : public http::Route {
 public:
  enum class Kind : uint8_t { kCluster, kRedirect, kDirectResponse };
  using Action = std::variant<RouteAction, Redirect, DirectResponse>;

  Route(const VirtualHost& virtual_host, std::string name, RouteMatch match, Action action,
        HeaderMutations request_mutations, HeaderMutations response_mutations);
  Route(Route&&) noexcept = default;
  Route& operator=(Route&&) noexcept = default;

  const std::string& name() const override { return name_; }
  const envoy::config::core::v3::Metadata* metadata() const override { return metadata_.get(); }
  void setMetadata(protobuf::MetadataSharedPtr metadata) { metadata_ = std::move(metadata); }
  std::optional<std::chrono::milliseconds> idleTimeout() const override;
  const http::StreamDurationPolicy* streamDuration() const override {
    const RouteAction* action = routeAction();
    return action == nullptr || !action->stream_duration.has_value() ? nullptr
                                                                     : &*action->stream_duration;
  }
  const http::RouteSpecificFilterConfig* mostSpecificPerFilterConfig(
      std::string_view filter_name, uint64_t random) const override;
  bool filterDisabled(std::string_view filter_name) const override;
  const tracing::RouteTracingConfig* tracing() const override { return tracing_.get(); }
  std::string_view decoratorOperation() const override { return decorator_operation_; }
  bool decoratorPropagate() const override { return decorator_propagate_; }
  void setTracing(std::shared_ptr<const tracing::RouteTracingConfig> tracing,
                  std::string decorator_operation, bool decorator_propagate) {
    tracing_ = std::move(tracing);
    decorator_operation_ = std::move(decorator_operation);
    decorator_propagate_ = decorator_propagate;
  }
  const PerFilterConfigs& perFilterConfigs() const { return per_filter_configs_; }
  void setPerFilterConfigs(PerFilterConfigs configs) { per_filter_configs_ = std::move(configs); }
  const VirtualHost& virtualHost() const { return *virtual_host_; }
  Kind kind() const { return static_cast<Kind>(action_.index()); }
  const RouteMatch& match() const { return match_; }

  // Matching, used by VirtualHost; `full_path` is :path, `random` the stream's random value.
  bool matches(const http::HeaderMap& headers, std::string_view full_path,
               uint64_t random = 0) const;

  // --- Kind::kCluster ---------------------------------------------------------------------
  // nullptr unless kind() == kCluster.
  const RouteAction* routeAction() const { return std::get_if<RouteAction>(&action_); }
  // The retry / hedge policy in effect: the route's, else its virtual host's; null: none.
  // Cluster routes only.
  const RetryPolicy* retryPolicy() const;
  HedgePolicy hedgePolicy() const;

  // The cluster this request goes to: the configured name; or the first value of the
  // cluster_header ("" when absent: answer routeAction()->cluster_not_found_response_code); or
  // the weighted cluster `random` picks. The view lives as long as the table or the headers.
  // "" for other kinds.
  std::string_view clusterName(const http::HeaderMap& request_headers, uint64_t random) const;

  // For weighted_clusters: the entry of the interval [sum of earlier weights, + weight) that
  // holds random % total_weight, as in Envoy. nullptr for other cluster specifiers. Pass the
  // same `random` as to clusterName().
  const WeightedCluster* pickWeightedCluster(uint64_t random) const;
  // The value to give pickWeightedCluster: with weighted_clusters.header_name and exactly one
  // such header, its value, as Envoy takes it when it is a decimal uint64, and else (meshproxy;
  // Envoy would use `random`) its xxHash64, so that any user id sticks. Otherwise `random`.
  uint64_t weightedClusterValue(const http::HeaderMap* request_headers,
                                uint64_t random) const override;

  // --- Request and response headers ---------------------------------------------------------
  // What Envoy's router does to the request before sending it upstream, in its order:
  // the weighted cluster's header mutations and host_rewrite_literal, then the header mutations
  // of the route, virtual host and route configuration (applyRequestHeaderMutations), then
  // applyRewrites(). `weighted_cluster` is pickWeightedCluster()'s result, or nullptr.
  void finalizeRequestHeaders(http::HeaderMap& headers, const accesslog::StreamInfo& info,
                              const WeightedCluster* weighted_cluster = nullptr,
                              bool keep_original_path = true) const;

  // request_headers_to_add/remove of the route, its virtual host and the route configuration.
  // By default the most specific level is applied first, so the route configuration's value
  // wins an overwrite; most_specific_header_mutations_wins reverses the order.
  void applyRequestHeaderMutations(http::HeaderMap& headers, const accesslog::StreamInfo& info,
                                   const WeightedCluster* weighted_cluster = nullptr) const;
  // The same for response headers; point info.response_headers at `headers` for %RESP()%.
  // Also for redirect and direct responses, as Envoy does.
  void applyResponseHeaderMutations(http::HeaderMap& headers, const accesslog::StreamInfo& info,
                                    const WeightedCluster* weighted_cluster = nullptr) const;

  // host_rewrite_literal (the weighted cluster's, then the route's: the route's wins) and
  // prefix_rewrite / regex_rewrite of :path. When :path changes and keep_original_path is set
  // (Envoy's router does unless suppress_envoy_headers), the old :path is kept in
  // x-envoy-original-path. Does nothing for redirect and direct-response routes: their rewrite
  // only shapes the Location (see location()).
  void applyRewrites(http::HeaderMap& headers, const WeightedCluster* weighted_cluster = nullptr,
                     bool keep_original_path = true) const;

  // --- Kind::kRedirect and Kind::kDirectResponse ----------------------------------------------
  const Redirect* redirect() const { return std::get_if<Redirect>(&action_); }
  const DirectResponse* directResponse() const { return std::get_if<DirectResponse>(&action_); }

  // The response status for a redirect or direct response, 0 for cluster routes.
  uint32_t responseCode() const;

  // The Location header of a redirect, computed from the request headers as received (:scheme,
  // :authority, :path, x-forwarded-proto) exactly as Envoy does, including the redirect's
  // prefix_rewrite / regex_rewrite. For a direct response Envoy sends the request's own URL
  // as Location when the status is 201 or 3xx; this returns that, and "" otherwise (and for
  // cluster routes or a request without :path).
  std::string location(const http::HeaderMap& request_headers) const;

 private:
  void applyLevels(bool request, http::HeaderMap& headers, const accesslog::StreamInfo& info,
                   const WeightedCluster* weighted_cluster) const;

  const VirtualHost* virtual_host_;
  std::string name_;
  RouteMatch match_;
  Action action_;
  HeaderMutations request_mutations_;
  HeaderMutations response_mutations_;
  PerFilterConfigs per_filter_configs_;
  // `tracing` and `decorator`; shared so the Route stays cheap to move.
  std::shared_ptr<const tracing::RouteTracingConfig> tracing_;
  std::string decorator_operation_;
  bool decorator_propagate_ = true;
  protobuf::MetadataSharedPtr metadata_;
};

}  // namespace meshproxy::route
