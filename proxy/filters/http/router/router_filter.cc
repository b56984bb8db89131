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

RouterFilter::RouterFilter(const RouterConfig& config) : config_(config) {}

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

const network::Connection* RouterFilter::downstreamConnection() const {
  return &callbacks_->connection();
}

// The cluster for this request. Names in the config were resolved to slots when it was
// translated (a vector index here); only a cluster_header name costs a hash lookup.
upstream::WorkerCluster* RouterFilter::resolveCluster(const route::RouteAction& action,
                                                      const http::HeaderMap& headers) {
  upstream::WorkerClusterManager& clusters = callbacks_->worker().clusters;
  switch (action.cluster_specifier) {
    case route::RouteAction::ClusterSpecifier::kCluster:
      return action.cluster_slot != NameSlots::kNone ? clusters.get(action.cluster_slot)
                                                     : clusters.get(action.cluster);
    case route::RouteAction::ClusterSpecifier::kWeightedClusters:
      // The value the route was matched with: the weighted cluster picked here is the one
      // whose typed_per_filter_config the other filters saw.
      weighted_cluster_ = route_->pickWeightedCluster(callbacks_->routeRandom());
      if (weighted_cluster_ == nullptr) return nullptr;
      return weighted_cluster_->slot != NameSlots::kNone ? clusters.get(weighted_cluster_->slot)
                                                         : clusters.get(weighted_cluster_->name);
    case route::RouteAction::ClusterSpecifier::kClusterHeader: {
      std::string_view name = route_->clusterName(headers, callbacks_->routeRandom());
      return name.empty() ? nullptr : clusters.get(name);
    }
  }
  return nullptr;
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

  const auto* action = route_->routeAction();
  upstream::WorkerCluster* cluster = resolveCluster(*action, headers);
  if (cluster == nullptr) {
    info.setResponseFlag(ResponseFlag::kNoClusterFound);
    callbacks_->sendLocalReply(action->cluster_not_found_response_code, "", "cluster_not_found");
    return FilterHeadersStatus::kStopIteration;
  }
  cluster_ = upstream::ClusterPin(*cluster);
  const upstream::ClusterConfig& config = cluster->config();
  info.upstream_cluster = config.name;
  upstream::WorkerHost* host = cluster->chooseHost(*this);
  if (host == nullptr) {
    config.stats->upstream_cx_none_healthy.inc();
    info.setResponseFlag(ResponseFlag::kNoHealthyUpstream);
    callbacks_->sendLocalReply(503, "no healthy upstream", "no_healthy_upstream");
    return FilterHeadersStatus::kStopIteration;
  }
  route_->finalizeRequestHeaders(headers, info, weighted_cluster_);
  if (action->auto_host_rewrite) headers.set(http::headers::kAuthority, host->host().hostname());
  callbacks_->addDownstreamWatermarkCallbacks(downstream_watermarks_);

  UpstreamRequest& attempt = newAttempt(*host);
  // The cluster's protocol options choose HTTP/1.1 or HTTP/2 (or the downstream's).
  const http::Protocol downstream =
      info.protocol == "HTTP/2" ? http::Protocol::kHttp2 : http::Protocol::kHttp11;
  attempt.start(*cluster->httpPool(*host, {.protocol = config.upstreamProtocol(downstream)}),
                headers, end_stream);
  if (destroyed_) return FilterHeadersStatus::kStopIteration;
  if (request_complete_) onRequestComplete();
  return FilterHeadersStatus::kStopIteration;
}

UpstreamRequest& RouterFilter::newAttempt(upstream::WorkerHost& host) {
  auto& info = callbacks_->streamInfo();
  info.upstream_host = &host.host();
  info.upstream_request_attempt_count = ++attempts_;
  addTriedHost(host.host());
  // An attempt this one supersedes has been reset by the caller; it stays allocated (it may
  // be the one whose callback decided to try again).
  upstream_requests_.push_back(std::make_unique<UpstreamRequest>(
      *this, callbacks_->worker().loop, callbacks_->worker().index, host, cluster_->config(),
      callbacks_->bufferLimit()));
  upstream_request_ = upstream_requests_.back().get();
  return *upstream_request_;
}

FilterDataStatus RouterFilter::decodeData(Buffer& data, bool end_stream) {
  if (end_stream) {
    request_complete_ = true;
    retained_.setComplete(nullptr);
  }
  retained_.addBody(data);
  if (upstream_request_ != nullptr) {
    upstream_request_->encodeData(data, end_stream);
  } else {
    data.clear();
  }
  if (end_stream && !destroyed_) onRequestComplete();
  return FilterDataStatus::kStopIterationNoBuffer;
}

FilterTrailersStatus RouterFilter::decodeTrailers(http::HeaderMap& trailers) {
  request_trailers_ = &trailers;
  request_complete_ = true;
  retained_.setComplete(&trailers);
  if (upstream_request_ != nullptr) upstream_request_->encodeTrailers(trailers);
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

void RouterFilter::onUpstreamStream(UpstreamRequest&, upstream::PoolStream& stream) {
  auto& info = callbacks_->streamInfo();
  info.upstream_local_address = stream.connection().localAddress().str();
  upstream_ssl_ = stream.connection().ssl();
  if (upstream_ssl_ != nullptr) info.upstream_peer_uri_san = upstream_ssl_->peerUriSan();
}

void RouterFilter::onUpstreamPoolFailure(UpstreamRequest&, upstream::PoolFailureReason reason,
                                         std::string_view details) {
  auto& info = callbacks_->streamInfo();
  info.setResponseFlag(ResponseFlag::kUpstreamConnectionFailure);
  info.upstream_transport_failure_reason = reason == upstream::PoolFailureReason::kConnectTimeout
                                               ? "connect_timeout"
                                               : "connection_failure";
  if (reason == upstream::PoolFailureReason::kConnectionFailure && !details.empty() &&
      details != "connection_failure") {
    transport_failure_ = std::string(details);  // e.g. the TLS handshake's error
    info.upstream_transport_failure_reason = transport_failure_;
  }
  failWith(503, "upstream_reset_before_response_started{connection_failure}", kConnectFailureBody);
}

void RouterFilter::failWith(uint32_t status, std::string_view details, std::string_view body) {
  resetAttempt();
  callbacks_->sendLocalReply(status, body, details);
}

void RouterFilter::resetAttempt() {
  if (upstream_request_ != nullptr) upstream_request_->resetStream();
}

void RouterFilter::onUpstreamHeaders(UpstreamRequest& attempt,
                                     std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  response_started_ = true;
  auto& info = callbacks_->streamInfo();
  auto now = std::chrono::steady_clock::now();
  info.first_upstream_rx_byte_received = info.sinceStart(now);
  uint32_t status = headers->status();
  cluster_->config().stats->rqClass(status).inc();
  if (!config_.suppress_envoy_headers) {
    headers->set("x-envoy-upstream-service-time",
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    now - attempt.startTime())
                                    .count()));
  }
  route_->applyResponseHeaderMutations(*headers, info, weighted_cluster_);
  if (end_stream) responseCompleted(attempt);
  callbacks_->encodeHeaders(std::move(headers), end_stream);
}

void RouterFilter::onUpstreamData(UpstreamRequest& attempt, Buffer& data, bool end_stream) {
  if (end_stream) responseCompleted(attempt);
  callbacks_->encodeData(data, end_stream);
}

void RouterFilter::onUpstreamTrailers(UpstreamRequest& attempt,
                                      std::unique_ptr<http::HeaderMap> trailers) {
  responseCompleted(attempt);
  callbacks_->encodeTrailers(std::move(trailers));
}

void RouterFilter::responseCompleted(UpstreamRequest& attempt) {
  response_complete_ = true;
  timeout_timer_.reset();
  auto elapsed = std::chrono::steady_clock::now() - attempt.startTime();
  callbacks_->streamInfo().upstream_request_duration = elapsed;
  const auto& stats = *cluster_->config().stats;
  stats.upstream_rq_completed.inc();
  stats.upstream_rq_time.record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
}

void RouterFilter::onUpstreamReset(UpstreamRequest&, http::StreamResetReason reason) {
  if (response_complete_) return;
  cluster_->config().stats->upstream_rq_rx_reset.inc();
  auto& info = callbacks_->streamInfo();
  log::debug("router: upstream {} reset: {}", info.upstreamHostAddress(), http::toString(reason));
  if (response_started_) {
    info.setResponseFlag(ResponseFlag::kUpstreamRemoteReset);
    callbacks_->resetStream();
    return;
  }
  if (reason == http::StreamResetReason::kProtocolError) {
    info.setResponseFlag(ResponseFlag::kUpstreamProtocolError);
    failWith(502, "upstream_reset_before_response_started{protocol_error}",
             "upstream protocol error");
    return;
  }
  info.setResponseFlag(ResponseFlag::kUpstreamConnectionTermination);
  failWith(502, "upstream_reset_before_response_started{connection_termination}", kResetBody);
}

// Without a retry policy (issue 13) an attempt that runs out of time ends the request as the
// route timeout does.
void RouterFilter::onPerTryTimeout(UpstreamRequest&) { onTimeout(); }

void RouterFilter::onUpstreamAboveWriteBufferHighWatermark() {
  callbacks_->onDecoderFilterAboveWriteBufferHighWatermark();
}

void RouterFilter::onUpstreamBelowWriteBufferLowWatermark() {
  callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
}

void RouterFilter::DownstreamWatermarks::onAboveWriteBufferHighWatermark() {
  if (parent.upstream_request_ != nullptr) parent.upstream_request_->readDisable(true);
}

void RouterFilter::DownstreamWatermarks::onBelowWriteBufferLowWatermark() {
  if (parent.upstream_request_ != nullptr) parent.upstream_request_->readDisable(false);
}

void RouterFilter::onTimeout() {
  cluster_->config().stats->upstream_rq_timeout.inc();
  if (upstream_request_ != nullptr) upstream_request_->timeout();
  auto& info = callbacks_->streamInfo();
  info.setResponseFlag(ResponseFlag::kUpstreamRequestTimeout);
  if (response_started_) {
    resetAttempt();
    callbacks_->resetStream();
    return;
  }
  failWith(504, "upstream_response_timeout", "upstream request timeout");
}

void RouterFilter::onDestroy() {
  if (destroyed_) return;
  destroyed_ = true;
  timeout_timer_.reset();
  if (callbacks_ != nullptr && cluster_) {
    callbacks_->removeDownstreamWatermarkCallbacks(downstream_watermarks_);
  }
  // An exchange cut short leaves the HTTP/1 connection in an unknown state: the attempt
  // resets it.
  if (upstream_request_ != nullptr && !response_complete_) {
    if (upstream_request_->hasStream()) cluster_->config().stats->upstream_rq_tx_reset.inc();
    upstream_request_->resetStream();
  }
  for (const auto& attempt : upstream_requests_) attempt->resetStream();
}

}  // namespace meshproxy::filters::router
