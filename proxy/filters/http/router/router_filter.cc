#include "proxy/filters/http/router/router_filter.h"

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/network/connection.h"
#include "proxy/route/route.h"

namespace meshproxy::filters::router {

using http::FilterDataStatus;
using http::FilterHeadersStatus;
using http::FilterTrailersStatus;
using accesslog::ResponseFlag;

namespace {
constexpr std::string_view kConnectFailureBody =
    "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
constexpr std::string_view kResetBody =
    "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
}  // namespace

RouterFilter::RouterFilter(std::shared_ptr<const RouterConfig> config) : config_(std::move(config)) {}

RouterFilter::~RouterFilter() {
  if (!destroyed_) onDestroy();
}

void RouterFilter::setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) {
  callbacks_ = &callbacks;
}

FilterHeadersStatus RouterFilter::routeDirectly(const route::Route& route,
                                                http::HeaderMap& headers) {
  auto response = std::make_unique<http::HeaderMap>();
  if (const auto* redirect = route.redirect(); redirect != nullptr) {
    response->addLowercase(std::string(http::headers::kStatus), std::to_string(route.responseCode()));
    response->addLowercase("location", route.location(headers));
    response->addLowercase("content-length", "0");
    callbacks_->streamInfo().response_code_details = "direct_response";
    callbacks_->encodeHeaders(std::move(response), true);
    return FilterHeadersStatus::kStopIteration;
  }
  const auto* direct = route.directResponse();
  response->addLowercase(std::string(http::headers::kStatus), std::to_string(direct->status));
  if (!direct->body.empty()) response->addLowercase("content-type", "text/plain");
  response->addLowercase("content-length", std::to_string(direct->body.size()));
  route.applyResponseHeaderMutations(*response, callbacks_->streamInfo());
  callbacks_->streamInfo().response_code_details = "direct_response";
  bool head = headers.method() == "HEAD";
  if (direct->body.empty() || head) {
    callbacks_->encodeHeaders(std::move(response), true);
    return FilterHeadersStatus::kStopIteration;
  }
  callbacks_->encodeHeaders(std::move(response), false);
  if (destroyed_) return FilterHeadersStatus::kStopIteration;
  Buffer body;
  body.add(direct->body);
  callbacks_->encodeData(body, true);
  return FilterHeadersStatus::kStopIteration;
}

// ORIGINAL_DST: the request header (original_dst_lb_config.use_http_header), else the
// downstream connection's original destination. A destination original_dst did not restore
// is this listener itself, and going there would loop back into meshproxy.
std::optional<network::Address> RouterFilter::originalDestination(
    const upstream::ClusterConfig& cluster, const http::HeaderMap& headers) {
  std::optional<network::Address> dst;
  if (cluster.original_dst_use_http_header) {
    if (auto value = headers.get(cluster.original_dst_http_header); value.has_value()) {
      auto parsed = network::Address::parse(*value);
      if (!parsed.ok()) return std::nullopt;  // Envoy: an unusable header is no host
      dst = *parsed;
    }
  }
  if (!dst.has_value()) {
    const network::Connection& downstream = callbacks_->connection();
    if (!downstream.localAddressRestored()) return std::nullopt;
    dst = downstream.localAddress();
  }
  if (cluster.original_dst_port_override != 0) dst->setPort(cluster.original_dst_port_override);
  return dst;
}

FilterHeadersStatus RouterFilter::decodeHeaders(http::HeaderMap& headers, bool end_stream) {
  request_headers_ = &headers;
  request_complete_ = end_stream;
  auto& info = callbacks_->streamInfo();
  route_ = static_cast<const route::Route*>(callbacks_->route());
  if (route_ == nullptr) {
    info.setResponseFlag(ResponseFlag::kNoRouteFound);
    callbacks_->sendLocalReply(404, "", "route_not_found");
    return FilterHeadersStatus::kStopIteration;
  }
  if (route_->kind() != route::Route::Kind::kCluster) return routeDirectly(*route_, headers);

  WorkerContext& worker = callbacks_->worker();
  const auto* action = route_->routeAction();
  // The value the route was matched with: the weighted cluster picked here is the one whose
  // typed_per_filter_config the other filters saw.
  uint64_t random = callbacks_->routeRandom();
  std::string_view cluster_name;
  if (action->cluster_specifier == route::RouteAction::ClusterSpecifier::kWeightedClusters) {
    weighted_cluster_ = route_->pickWeightedCluster(random);
    if (weighted_cluster_ != nullptr) cluster_name = weighted_cluster_->name;
  } else {
    cluster_name = route_->clusterName(headers, random);
  }
  cluster_ = cluster_name.empty() ? nullptr : worker.clusters.getShared(cluster_name);
  if (cluster_ == nullptr) {
    info.setResponseFlag(ResponseFlag::kNoClusterFound);
    callbacks_->sendLocalReply(action->cluster_not_found_response_code, "", "cluster_not_found");
    return FilterHeadersStatus::kStopIteration;
  }
  const upstream::ClusterConfig& cluster = *cluster_->config;
  info.upstream_cluster = cluster.name;
  if (cluster.http2) {
    // Said plainly rather than speaking HTTP/1.1 to a server that expects HTTP/2.
    callbacks_->sendLocalReply(503, "upstream HTTP/2 is not supported yet", "unsupported_upstream_protocol");
    return FilterHeadersStatus::kStopIteration;
  }
  upstream::HostSharedPtr host_ptr;
  if (cluster.type == upstream::DiscoveryType::kOriginalDst) {
    std::optional<network::Address> dst = originalDestination(cluster, headers);
    if (dst.has_value()) {
      const auto& entry = cluster_->originalDstHost(worker, *dst);
      host_ptr = entry.host;
      host_state_ = entry.state;
    }
  } else {
    int index = cluster_->lb->chooseHost();
    if (index >= 0) {
      host_ptr = cluster.hosts[static_cast<size_t>(index)];
      host_state_ = cluster_->host_states[static_cast<size_t>(index)];
    }
  }
  if (host_ptr == nullptr) {
    cluster.stats->upstream_cx_none_healthy.inc();
    info.setResponseFlag(ResponseFlag::kNoHealthyUpstream);
    callbacks_->sendLocalReply(503, "no healthy upstream", "no_healthy_upstream");
    return FilterHeadersStatus::kStopIteration;
  }
  const upstream::Host& host = *host_ptr;
  info.upstream_host = host.address.str();
  info.upstream_request_attempt_count = 1;

  route_->finalizeRequestHeaders(headers, info, weighted_cluster_);
  if (action->auto_host_rewrite) headers.set(http::headers::kAuthority, host.hostname);

  cluster.stats->upstream_rq_total.inc();
  cluster.stats->upstream_rq_active.inc();
  ++host_state_->active_requests;
  counted_active_ = true;
  upstream_start_ = std::chrono::steady_clock::now();
  callbacks_->addDownstreamWatermarkCallbacks(downstream_watermarks_);

  upstream::Http1ConnPool& pool = cluster_->pool(worker, host_ptr, *host_state_);
  pending_ = pool.newStream(upstream_response_, *this);
  if (destroyed_) return FilterHeadersStatus::kStopIteration;
  if (request_complete_) onRequestComplete();
  return FilterHeadersStatus::kStopIteration;
}

FilterDataStatus RouterFilter::decodeData(Buffer& data, bool end_stream) {
  if (end_stream) request_complete_ = true;
  if (upstream_ != nullptr) {
    upstream_->encoder().encodeData(data, end_stream);
  } else {
    pending_body_.move(data);
    // Waiting for a connection: hold the body, but make the client wait too once it is large.
    if (!above_watermark_ && pending_body_.length() > callbacks_->bufferLimit()) {
      above_watermark_ = true;
      callbacks_->onDecoderFilterAboveWriteBufferHighWatermark();
    }
  }
  if (end_stream && !destroyed_) onRequestComplete();
  return FilterDataStatus::kStopIterationNoBuffer;
}

FilterTrailersStatus RouterFilter::decodeTrailers(http::HeaderMap& trailers) {
  request_trailers_ = &trailers;
  request_complete_ = true;
  if (upstream_ != nullptr) upstream_->encoder().encodeTrailers(trailers);
  if (!destroyed_) onRequestComplete();
  return FilterTrailersStatus::kStopIteration;
}

void RouterFilter::onRequestComplete() {
  // Envoy's route timeout counts from the end of the request.
  const auto* action = route_ == nullptr ? nullptr : route_->routeAction();
  if (action == nullptr || action->timeout.count() == 0 || timeout_timer_ != nullptr) return;
  timeout_timer_ = std::make_unique<Timer>(callbacks_->worker().loop.uv(), [this] { onTimeout(); });
  timeout_timer_->enable(action->timeout);
}

void RouterFilter::onPoolReady(upstream::PooledStream& stream) {
  pending_ = nullptr;
  upstream_ = &stream;
  stream.encoder().stream().addCallbacks(upstream_response_);
  callbacks_->streamInfo().upstream_local_address = stream.connection().localAddress().str();
  upstream_ssl_ = stream.connection().ssl();
  if (upstream_ssl_ != nullptr) {
    callbacks_->streamInfo().upstream_peer_uri_san = upstream_ssl_->peerUriSan();
  }
  bool end_stream = request_complete_ && pending_body_.empty() && request_trailers_ == nullptr;
  stream.encoder().encodeHeaders(*request_headers_, end_stream);
  if (destroyed_ || upstream_ == nullptr) return;
  sendUpstreamRequestBody();
}

void RouterFilter::sendUpstreamRequestBody() {
  if (!pending_body_.empty()) {
    upstream_->encoder().encodeData(pending_body_, request_complete_ && request_trailers_ == nullptr);
    if (destroyed_ || upstream_ == nullptr) return;
    if (above_watermark_) {
      above_watermark_ = false;
      callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
    }
  }
  if (request_trailers_ != nullptr) upstream_->encoder().encodeTrailers(*request_trailers_);
}

void RouterFilter::onPoolFailure(upstream::PoolFailureReason reason, std::string_view details) {
  pending_ = nullptr;
  auto& info = callbacks_->streamInfo();
  info.setResponseFlag(ResponseFlag::kUpstreamConnectionFailure);
  info.upstream_transport_failure_reason =
      reason == upstream::PoolFailureReason::kConnectTimeout ? "connect_timeout" : "connection_failure";
  if (reason == upstream::PoolFailureReason::kConnectionFailure && !details.empty() &&
      details != "connection_failure") {
    transport_failure_ = std::string(details);  // e.g. the TLS handshake's error
    info.upstream_transport_failure_reason = transport_failure_;
  }
  failWith(503, "upstream_reset_before_response_started{connection_failure}", kConnectFailureBody);
}

void RouterFilter::failWith(uint32_t status, std::string_view details, std::string_view body) {
  finishUpstream(true);
  callbacks_->sendLocalReply(status, body, details);
}

void RouterFilter::onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  response_started_ = true;
  auto& info = callbacks_->streamInfo();
  auto now = std::chrono::steady_clock::now();
  info.first_upstream_rx_byte_received = info.sinceStart(now);
  uint32_t status = headers->status();
  cluster_->config->stats->rqClass(status).inc();
  if (!config_->suppress_envoy_headers) {
    headers->set("x-envoy-upstream-service-time",
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - upstream_start_).count()));
  }
  route_->applyResponseHeaderMutations(*headers, info, weighted_cluster_);
  if (end_stream) responseCompleted();
  callbacks_->encodeHeaders(std::move(headers), end_stream);
}

void RouterFilter::onUpstreamData(Buffer& data, bool end_stream) {
  if (end_stream) responseCompleted();
  callbacks_->encodeData(data, end_stream);
}

void RouterFilter::onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  responseCompleted();
  callbacks_->encodeTrailers(std::move(trailers));
}

void RouterFilter::responseCompleted() {
  response_complete_ = true;
  timeout_timer_.reset();
  auto elapsed = std::chrono::steady_clock::now() - upstream_start_;
  callbacks_->streamInfo().upstream_request_duration = elapsed;
  const auto& stats = *cluster_->config->stats;
  stats.upstream_rq_completed.inc();
  stats.upstream_rq_time.record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  // The pool takes the connection back once this response is fully read.
  finishUpstream(false);
}

void RouterFilter::finishUpstream(bool reset) {
  if (pending_ != nullptr) {
    pending_->cancel();
    pending_ = nullptr;
  }
  if (upstream_ != nullptr) {
    upstream_->encoder().stream().removeCallbacks(upstream_response_);
    if (upstream_read_disabled_) {
      upstream_read_disabled_ = false;
      upstream_->encoder().stream().readDisable(false);
    }
    if (reset) upstream_->reset();
    upstream_ = nullptr;
  }
  if (counted_active_) {
    counted_active_ = false;
    cluster_->config->stats->upstream_rq_active.dec();
    if (host_state_->active_requests > 0) --host_state_->active_requests;
  }
}

void RouterFilter::onUpstreamReset(http::StreamResetReason reason) {
  // The upstream connection is gone (the pool closed it); nothing to reset on our side.
  upstream_ = nullptr;
  if (response_complete_) return;
  cluster_->config->stats->upstream_rq_rx_reset.inc();
  auto& info = callbacks_->streamInfo();
  log::debug("router: upstream {} reset: {}", info.upstream_host, http::toString(reason));
  if (response_started_) {
    info.setResponseFlag(ResponseFlag::kUpstreamRemoteReset);
    finishUpstream(false);
    callbacks_->resetStream();
    return;
  }
  if (reason == http::StreamResetReason::kProtocolError) {
    info.setResponseFlag(ResponseFlag::kUpstreamProtocolError);
    failWith(502, "upstream_reset_before_response_started{protocol_error}", "upstream protocol error");
    return;
  }
  info.setResponseFlag(ResponseFlag::kUpstreamConnectionTermination);
  failWith(502, "upstream_reset_before_response_started{connection_termination}", kResetBody);
}

void RouterFilter::DownstreamWatermarks::onAboveWriteBufferHighWatermark() {
  if (parent.upstream_ == nullptr || parent.upstream_read_disabled_) return;
  parent.upstream_read_disabled_ = true;
  parent.upstream_->encoder().stream().readDisable(true);
}

void RouterFilter::DownstreamWatermarks::onBelowWriteBufferLowWatermark() {
  if (parent.upstream_ == nullptr || !parent.upstream_read_disabled_) return;
  parent.upstream_read_disabled_ = false;
  parent.upstream_->encoder().stream().readDisable(false);
}

void RouterFilter::onTimeout() {
  cluster_->config->stats->upstream_rq_timeout.inc();
  auto& info = callbacks_->streamInfo();
  info.setResponseFlag(ResponseFlag::kUpstreamRequestTimeout);
  if (response_started_) {
    finishUpstream(true);
    callbacks_->resetStream();
    return;
  }
  failWith(504, "upstream_response_timeout", "upstream request timeout");
}

void RouterFilter::onDestroy() {
  if (destroyed_) return;
  destroyed_ = true;
  timeout_timer_.reset();
  if (callbacks_ != nullptr && cluster_ != nullptr) {
    callbacks_->removeDownstreamWatermarkCallbacks(downstream_watermarks_);
  }
  // An exchange cut short leaves the HTTP/1 connection in an unknown state: close it.
  if (cluster_ != nullptr) {
    if (upstream_ != nullptr && !response_complete_) cluster_->config->stats->upstream_rq_tx_reset.inc();
    finishUpstream(!response_complete_);
  }
}

}  // namespace meshproxy::filters::router
