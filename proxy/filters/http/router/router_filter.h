#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/container/inlined_vector.h"
#include "proxy/core/timer.h"
#include "proxy/filters/http/router/control_headers.h"
#include "proxy/filters/http/router/retained_request.h"
#include "proxy/filters/http/router/retry_state.h"
#include "proxy/http/filter.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/conn_pool.h"
#include "proxy/upstream/upstream_request.h"

namespace meshproxy::route {
class Route;
struct WeightedCluster;
struct RouteAction;
}  // namespace meshproxy::route

namespace meshproxy::filters::router {

using upstream::UpstreamRequest;
using upstream::UpstreamRequestCallbacks;

struct RouterConfig {
  // Adds x-envoy-upstream-service-time to responses (Envoy's default) unless suppressed.
  bool suppress_envoy_headers = false;
};

// envoy.filters.http.router: the terminal HTTP filter. Resolves the route to a cluster, picks
// a host through the cluster front end, makes an attempt (UpstreamRequest) that takes a
// stream from that host's pool, streams the request up and the response back, and turns
// every upstream failure into the right local reply: 503 (no cluster, no healthy host,
// connect failure), 502 (upstream reset or protocol error), 504 (timeout).
//
// Attempts: each is an UpstreamRequest owned here; a retry or a hedge is another one, started
// with RetainedRequest::replay and a host chosen with this filter as the LbContext (the tried
// hosts are recorded per attempt; previous_hosts avoids them). RetryState decides whether an
// outcome is retried (retry_policy plus the trusted x-envoy-* headers); the code acting on it
// is in router_retries.cc. Independently of any policy, a request that met a pooled
// keep-alive connection the upstream had already closed (no response byte) goes once more.
class RouterFilter : public http::StreamDecoderFilter,
                     public UpstreamRequestCallbacks,
                     public upstream::LbContext {
 public:
  // `config` is owned by the filter factory, which the connection manager's config keeps for
  // as long as any stream of it lives: no reference count per request.
  explicit RouterFilter(const RouterConfig& config);
  ~RouterFilter() override;

  // StreamDecoderFilter
  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override;
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

  // UpstreamRequestCallbacks
  void onUpstreamStream(UpstreamRequest& attempt, upstream::PoolStream& stream) override;
  void onUpstreamPoolFailure(UpstreamRequest& attempt, upstream::PoolFailureReason reason,
                             std::string_view details) override;
  void onUpstreamHeaders(UpstreamRequest& attempt, std::unique_ptr<http::HeaderMap> headers,
                         bool end_stream) override;
  void onUpstreamData(UpstreamRequest& attempt, Buffer& data, bool end_stream) override;
  void onUpstreamTrailers(UpstreamRequest& attempt,
                          std::unique_ptr<http::HeaderMap> trailers) override;
  void onUpstreamReset(UpstreamRequest& attempt, http::StreamResetReason reason) override;
  void onPerTryTimeout(UpstreamRequest& attempt) override;
  void onPerTryIdleTimeout(UpstreamRequest& attempt) override;
  void onUpstreamAboveWriteBufferHighWatermark() override;
  void onUpstreamBelowWriteBufferLowWatermark() override;

  // LbContext
  const network::Connection* downstreamConnection() const override;
  const http::HeaderMap* downstreamHeaders() const override { return request_headers_; }
  std::optional<uint64_t> hashKey() const override { return hash_key_; }
  bool shouldSelectAnotherHost(const upstream::Host& host) const override {
    return previous_hosts_ && tried(host);
  }

 private:
  class DownstreamWatermarks : public http::DownstreamWatermarkCallbacks {
   public:
    explicit DownstreamWatermarks(RouterFilter& p) : parent(p) {}
    void onAboveWriteBufferHighWatermark() override;
    void onBelowWriteBufferLowWatermark() override;
    RouterFilter& parent;
  };

  upstream::WorkerCluster* resolveCluster(const route::RouteAction& action,
                                          const http::HeaderMap& headers);
  http::FilterHeadersStatus routeDirectly(const route::Route& route, http::HeaderMap& headers);
  // A new attempt on `host`, the current one from now on.
  UpstreamRequest& newAttempt(upstream::WorkerHost& host);
  void onRequestComplete();
  void onTimeout();
  // Timeouts and retry state from the route and the request's control headers.
  void setUpPolicies(const route::RouteAction& action, http::HeaderMap& headers);
  void armPerTryTimers(UpstreamRequest& attempt);

  // --- router_retries.cc ---
  enum class FinalError { kConnectFailure, kOverflow, kProtocolError, kReset, kPerTryTimeout };
  // An attempt ended without a response to pass on: retry, wait for another attempt, or
  // answer with the error.
  void onAttemptFailed(UpstreamRequest& attempt, AttemptFailure failure, FinalError error,
                       bool keepalive_race);
  // Schedules another attempt if the policy, the body and the limits allow it; `response`
  // for a retry on response headers. `reset_attempt`: give up on `attempt` (not when hedging).
  bool maybeRetry(UpstreamRequest& attempt, const http::HeaderMap* response, bool reset_attempt);
  void scheduleRetry(std::chrono::milliseconds delay);
  void doRetry();
  // A retry's outcome is known: its place in the cluster's retry limit is free again.
  void releaseRetry();
  // Other attempts may still answer (hedging) or one is scheduled.
  bool otherAttemptsPending(const UpstreamRequest& except) const;
  void failFinally(FinalError error);
  // `attempt`'s response is the one the client gets: the others are reset.
  void chooseFinal(UpstreamRequest& attempt);
  void failWith(uint32_t status, std::string_view details, std::string_view body);
  void resetAttempt();
  void responseCompleted(UpstreamRequest& attempt);

  const RouterConfig& config_;
  http::StreamDecoderFilterCallbacks* callbacks_ = nullptr;
  DownstreamWatermarks downstream_watermarks_{*this};
  const route::Route* route_ = nullptr;
  const route::WeightedCluster* weighted_cluster_ = nullptr;
  // Pinned from the cluster lookup until this filter is destroyed (after the access log):
  // the cluster's config, its Host objects and pools stay valid that long. See
  // upstream/worker_cluster.h.
  upstream::ClusterPin cluster_;
  // Every attempt made, the current one last. Attempts live until this filter is destroyed:
  // StreamInfo points at their host, and none is deleted from inside its own callbacks.
  absl::InlinedVector<std::unique_ptr<UpstreamRequest>, 1> upstream_requests_;
  UpstreamRequest* upstream_request_ = nullptr;  // the current attempt
  // The request as sent, for another attempt.
  RetainedRequest retained_;
  // Kept so the access log's %UPSTREAM_PEER_URI_SAN% and failure reason outlive the
  // upstream connection.
  std::shared_ptr<const network::SslConnectionInfo> upstream_ssl_;
  std::string transport_failure_;
  http::HeaderMap* request_headers_ = nullptr;
  // route hash_policy: the request's hash, and a generated cookie to set on the response.
  std::optional<uint64_t> hash_key_;
  std::string set_cookie_;
  http::HeaderMap* request_trailers_ = nullptr;
  std::unique_ptr<Timer> timeout_timer_;
  std::chrono::milliseconds timeout_{0};  // route timeout (or header); 0: none
  std::chrono::milliseconds per_try_timeout_{0};
  std::chrono::milliseconds per_try_idle_timeout_{0};
  std::optional<RetryState> retry_state_;
  upstream::PoolKey pool_key_;          // every attempt's pool (the cluster's protocol choice)
  std::unique_ptr<Timer> retry_timer_;  // the back-off before the next attempt
  // The attempt whose response goes downstream, once chosen.
  UpstreamRequest* final_attempt_ = nullptr;
  uint32_t attempts_ = 0;
  uint32_t policy_retries_ = 0;  // retries the policy made (not the keep-alive race's)
  bool previous_hosts_ = false;
  bool hedge_on_per_try_timeout_ = false;
  bool include_attempt_count_in_response_ = false;
  bool include_request_attempt_count_ = false;
  bool retry_scheduled_ = false;
  bool holds_retry_ = false;  // counted in the cluster's retries resource
  bool keepalive_race_retried_ = false;
  // The pool whose idle connections go before the keep-alive race's retry.
  upstream::ConnPool* stale_pool_ = nullptr;
  bool request_complete_ = false;
  bool response_started_ = false;
  bool response_complete_ = false;
  bool destroyed_ = false;
};

}  // namespace meshproxy::filters::router
