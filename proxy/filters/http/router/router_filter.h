#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "proxy/core/timer.h"
#include "proxy/http/filter.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/conn_pool.h"

namespace meshproxy::route {
class Route;
struct WeightedCluster;
struct RouteAction;
}  // namespace meshproxy::route

namespace meshproxy::filters::router {

struct RouterConfig {
  // Adds x-envoy-upstream-service-time to responses (Envoy's default) unless suppressed.
  bool suppress_envoy_headers = false;
};

// envoy.filters.http.router: the terminal HTTP filter. Resolves the route to a cluster, picks
// a host, takes a connection from that host's pool, streams the request up and the response
// back, and turns every upstream failure into the right local reply: 503 (no cluster, no
// healthy host, connect failure), 502 (upstream reset or protocol error), 504 (timeout).
class RouterFilter : public http::StreamDecoderFilter,
                     public upstream::PoolCallbacks,
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

  // PoolCallbacks
  void onPoolReady(upstream::PoolStream& stream) override;
  void onPoolFailure(upstream::PoolFailureReason reason, std::string_view details) override;

  // LbContext
  const network::Connection* downstreamConnection() const override;
  const http::HeaderMap* downstreamHeaders() const override { return request_headers_; }

 private:
  // The upstream side: its response and its stream events.
  class UpstreamResponse : public http::ResponseDecoder, public http::StreamCallbacks {
   public:
    explicit UpstreamResponse(RouterFilter& p) : parent(p) {}
    void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override {
      parent.onUpstreamHeaders(std::move(headers), end_stream);
    }
    void decodeData(Buffer& data, bool end_stream) override { parent.onUpstreamData(data, end_stream); }
    void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override {
      parent.onUpstreamTrailers(std::move(trailers));
    }
    void onResetStream(http::StreamResetReason reason) override { parent.onUpstreamReset(reason); }
    void onAboveWriteBufferHighWatermark() override {
      parent.callbacks_->onDecoderFilterAboveWriteBufferHighWatermark();
    }
    void onBelowWriteBufferLowWatermark() override {
      parent.callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
    }
    RouterFilter& parent;
  };

  class DownstreamWatermarks : public http::DownstreamWatermarkCallbacks {
   public:
    explicit DownstreamWatermarks(RouterFilter& p) : parent(p) {}
    void onAboveWriteBufferHighWatermark() override;
    void onBelowWriteBufferLowWatermark() override;
    RouterFilter& parent;
  };

  void onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream);
  void onUpstreamData(Buffer& data, bool end_stream);
  void onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers);
  void onUpstreamReset(http::StreamResetReason reason);
  upstream::WorkerCluster* resolveCluster(const route::RouteAction& action,
                                          const http::HeaderMap& headers);
  http::FilterHeadersStatus routeDirectly(const route::Route& route, http::HeaderMap& headers);
  void sendUpstreamRequestBody();
  void onRequestComplete();
  void onTimeout();
  void failWith(uint32_t status, std::string_view details, std::string_view body);
  void finishUpstream(bool reset);
  void responseCompleted();

  const RouterConfig& config_;
  http::StreamDecoderFilterCallbacks* callbacks_ = nullptr;
  DownstreamWatermarks downstream_watermarks_{*this};
  UpstreamResponse upstream_response_{*this};
  const route::Route* route_ = nullptr;
  const route::WeightedCluster* weighted_cluster_ = nullptr;
  // Pinned from the cluster lookup until this filter is destroyed (after the access log):
  // the cluster's config, its Host objects and pools stay valid that long. See
  // upstream/worker_cluster.h.
  upstream::ClusterPin cluster_;
  upstream::HostPin host_;
  std::string upstream_host_;
  // Kept so the access log's %UPSTREAM_PEER_URI_SAN% and failure reason outlive the
  // upstream connection.
  std::shared_ptr<const network::SslConnectionInfo> upstream_ssl_;
  std::string transport_failure_;
  // Pending until the pool has a stream, then the stream until it ends.
  upstream::PoolHandle upstream_handle_;
  http::HeaderMap* request_headers_ = nullptr;
  http::HeaderMap* request_trailers_ = nullptr;
  Buffer pending_body_;
  std::unique_ptr<Timer> timeout_timer_;
  std::chrono::steady_clock::time_point upstream_start_;
  bool request_complete_ = false;
  bool upstream_request_complete_ = false;  // the whole request went to the upstream
  bool response_started_ = false;
  bool response_complete_ = false;
  bool counted_active_ = false;
  bool above_watermark_ = false;
  bool upstream_read_disabled_ = false;
  bool destroyed_ = false;
};

}  // namespace meshproxy::filters::router
