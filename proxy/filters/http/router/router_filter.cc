#include "proxy/filters/http/router/router_filter.h"

#include <charconv>

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/trace_header_map.h"
#include "proxy/network/connection.h"
#include "proxy/route/route.h"
#include "proxy/route/virtual_host.h"
#include "proxy/tracing/stream_trace.h"

namespace meshproxy::filters::router {

using accesslog::ResponseFlag;

namespace {
// A number as header text without allocating (std::to_chars into a stack buffer).
class Decimal {
 public:
  explicit Decimal(int64_t value) {
    auto r = std::to_chars(buf_, buf_ + sizeof(buf_), value);
    len_ = static_cast<size_t>(r.ptr - buf_);
  }
  std::string_view view() const { return {buf_, len_}; }

 private:
  char buf_[24];
  size_t len_ = 0;
};
}  // namespace

using http::FilterDataStatus;
using http::FilterHeadersStatus;
using http::FilterTrailersStatus;

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
    response->addLowercase(std::string(http::headers::kStatus),
                           std::to_string(route.responseCode()));
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
      weighted_cluster_ = route_->pickWeightedCluster(
          route_->weightedClusterValue(&headers, callbacks_->routeRandom()));
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
  if (!action->hash_policies.empty()) {
    // Computed once: every attempt (and its host-selection retries) hashes the same.
    const network::Connection& downstream = callbacks_->connection();
    route::RequestHash hash = route::computeRequestHash(
        action->hash_policies, headers, &downstream.remoteAddress(), &downstream.localAddress());
    hash_key_ = hash.hash;
    set_cookie_ = std::move(hash.set_cookie);
  }
  upstream::WorkerHost* host = cluster->chooseHost(*this);
  if (host == nullptr) {
    config.stats->upstream_cx_none_healthy.inc();
    info.setResponseFlag(ResponseFlag::kNoHealthyUpstream);
    callbacks_->sendLocalReply(503, "no healthy upstream", "no_healthy_upstream");
    return FilterHeadersStatus::kStopIteration;
  }
  route_->finalizeRequestHeaders(headers, info, weighted_cluster_);
  if (action->auto_host_rewrite) headers.set(http::headers::kAuthority, host->host().hostname());
  setUpPolicies(*action, headers);
  if (info.trace != nullptr) {
    // spawn_upstream_span: the upstream request carries the router's CLIENT span.
    http::TraceHeaderMap trace_headers(headers);
    info.trace->onUpstreamRequest(trace_headers, config.name, std::chrono::system_clock::now(),
                                  callbacks_->worker().random);
  }
  callbacks_->addDownstreamWatermarkCallbacks(downstream_watermarks_);

  // The cluster's protocol options choose HTTP/1.1 or HTTP/2 (or the downstream's).
  const http::Protocol downstream_protocol =
      info.protocol == "HTTP/2" ? http::Protocol::kHttp2 : http::Protocol::kHttp11;
  pool_key_ =
      upstream::PoolKey{.protocol = config.upstreamProtocol(downstream_protocol),
                        .priority = static_cast<upstream::ResourcePriority>(action->priority)};
  upstream::ConnPool* pool = cluster->httpPool(*host, pool_key_);
  if (pool == nullptr) {
    // circuit_breakers max_connection_pools: Envoy answers as for no host.
    info.setResponseFlag(ResponseFlag::kNoHealthyUpstream);
    callbacks_->sendLocalReply(503, "no healthy upstream", "no_healthy_upstream");
    return FilterHeadersStatus::kStopIteration;
  }
  UpstreamRequest& attempt = newAttempt(*host);
  attempt.start(*pool, headers, end_stream);
  if (destroyed_) return FilterHeadersStatus::kStopIteration;
  if (request_complete_) onRequestComplete();
  return FilterHeadersStatus::kStopIteration;
}

void RouterFilter::setUpPolicies(const route::RouteAction& action, http::HeaderMap& headers) {
  // Whatever x-envoy-* control header is still here was trusted by the connection manager.
  ControlHeaders control = parseControlHeaders(headers);
  // A route with max_stream_duration leaves the stream's deadline to the connection manager
  // (Envoy's "new timeouts"): its `timeout` does not apply.
  timeout_ = action.stream_duration.has_value() ? std::chrono::milliseconds(0) : action.timeout;
  if (control.timeout.has_value()) timeout_ = *control.timeout;
  if (control.timeout.has_value() || control.per_try_timeout.has_value()) {
    removeTimeoutHeaders(headers);
  }
  const route::RetryPolicy* policy = route_->retryPolicy();
  if (policy != nullptr || control.retry_on != 0) {
    retry_state_.emplace(policy, control, headers);
    if (!retry_state_->enabled()) retry_state_.reset();
  }
  if (policy != nullptr) {
    per_try_timeout_ = policy->per_try_timeout;
    per_try_idle_timeout_ = policy->per_try_idle_timeout;
    if (policy->previous_hosts) {
      previous_hosts_ = true;
      setHostSelectionRetryCount(policy->host_selection_retry_max_attempts);
    }
  }
  if (control.per_try_timeout.has_value()) per_try_timeout_ = *control.per_try_timeout;
  // A per-try timeout at or beyond the whole request's is no limit of its own (Envoy).
  if (timeout_.count() > 0 && per_try_timeout_ >= timeout_) per_try_timeout_ = {};
  hedge_on_per_try_timeout_ =
      route_->hedgePolicy().hedge_on_per_try_timeout || control.hedge_on_per_try_timeout;

  // The body is kept for another attempt only when a retry policy could ask for one; a
  // request without a body can always go again (the keep-alive race).
  retained_.enable(retry_state_.has_value() ? callbacks_->bufferLimit() : 0);
  if (request_complete_) retained_.setComplete(nullptr);  // headers only

  if (!config_.suppress_envoy_headers) {
    auto expected = per_try_timeout_.count() > 0 ? per_try_timeout_ : timeout_;
    if (expected.count() > 0) {
      headers.set("x-envoy-expected-rq-timeout-ms", Decimal(expected.count()).view());
    }
  }
  const auto& vhost = route_->virtualHost();
  include_request_attempt_count_ = vhost.include_request_attempt_count;
  include_attempt_count_in_response_ = vhost.include_attempt_count_in_response;
  if (include_request_attempt_count_) headers.set("x-envoy-attempt-count", "1");
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
  // Envoy's route timeout and per-try timeouts count from the end of the request.
  if (upstream_request_ != nullptr && upstream_request_->live())
    armPerTryTimers(*upstream_request_);
  if (timeout_.count() == 0 || timeout_timer_ != nullptr) return;
  timeout_timer_ = std::make_unique<Timer>(callbacks_->worker().loop.uv(), [this] { onTimeout(); });
  timeout_timer_->enable(timeout_);
}

void RouterFilter::armPerTryTimers(UpstreamRequest& attempt) {
  if (per_try_timeout_.count() > 0) attempt.setPerTryTimeout(per_try_timeout_);
  if (per_try_idle_timeout_.count() > 0) attempt.setPerTryIdleTimeout(per_try_idle_timeout_);
}

void RouterFilter::onUpstreamStream(UpstreamRequest&, upstream::PoolStream& stream) {
  auto& info = callbacks_->streamInfo();
  info.upstream_local_address = stream.connection().localAddress().str();
  upstream_ssl_ = stream.connection().ssl();
  if (upstream_ssl_ != nullptr) info.upstream_peer_uri_san = upstream_ssl_->peerUriSan();
}

void RouterFilter::onUpstreamPoolFailure(UpstreamRequest& attempt,
                                         upstream::PoolFailureReason reason,
                                         std::string_view details) {
  auto& info = callbacks_->streamInfo();
  if (reason == upstream::PoolFailureReason::kOverflow) {
    onAttemptFailed(attempt, AttemptFailure::kOverflow, FinalError::kOverflow, false);
    return;
  }
  info.upstream_transport_failure_reason = reason == upstream::PoolFailureReason::kConnectTimeout
                                               ? "connect_timeout"
                                               : "connection_failure";
  if (reason == upstream::PoolFailureReason::kConnectionFailure && !details.empty() &&
      details != "connection_failure") {
    transport_failure_ = std::string(details);  // e.g. the TLS handshake's error
    info.upstream_transport_failure_reason = transport_failure_;
  }
  onAttemptFailed(attempt, AttemptFailure::kConnectFailure, FinalError::kConnectFailure, false);
}

void RouterFilter::failWith(uint32_t status, std::string_view details, std::string_view body) {
  resetAttempt();
  callbacks_->sendLocalReply(status, body, details);
}

void RouterFilter::resetAttempt() {
  for (const auto& attempt : upstream_requests_) attempt->resetStream();
}

void RouterFilter::onUpstreamHeaders(UpstreamRequest& attempt,
                                     std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  uint32_t status = headers->status();
  cluster_->config().stats->rqClass(status).inc();
  if (final_attempt_ == nullptr) {
    if (retry_state_.has_value() && retry_state_->wouldRetryFromHeaders(*headers)) {
      if (maybeRetry(attempt, headers.get(), /*reset_attempt=*/true)) return;
      // No retry for this one; another attempt may still do better.
      if (otherAttemptsPending(attempt)) {
        attempt.resetStream();
        return;
      }
    } else if (policy_retries_ > 0) {
      cluster_->config().retry_stats->upstream_rq_retry_success.inc();
    }
    chooseFinal(attempt);
  }
  response_started_ = true;
  auto& info = callbacks_->streamInfo();
  auto now = std::chrono::steady_clock::now();
  info.first_upstream_rx_byte_received = info.sinceStart(now);
  if (!config_.suppress_envoy_headers) {
    headers->set("x-envoy-upstream-service-time",
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    now - attempt.startTime())
                                    .count()));
  }
  if (include_attempt_count_in_response_) {
    headers->set("x-envoy-attempt-count", Decimal(attempts_).view());
  }
  route_->applyResponseHeaderMutations(*headers, info, weighted_cluster_);
  // A cookie hash policy generated the request's cookie: the client keeps it from now on.
  if (!set_cookie_.empty()) headers->add("set-cookie", set_cookie_);
  if (end_stream) responseCompleted(attempt);
  callbacks_->encodeHeaders(std::move(headers), end_stream);
}

void RouterFilter::onUpstreamData(UpstreamRequest& attempt, Buffer& data, bool end_stream) {
  if (&attempt != final_attempt_) {
    data.clear();
    return;
  }
  if (end_stream) responseCompleted(attempt);
  callbacks_->encodeData(data, end_stream);
}

void RouterFilter::onUpstreamTrailers(UpstreamRequest& attempt,
                                      std::unique_ptr<http::HeaderMap> trailers) {
  if (&attempt != final_attempt_) return;
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

void RouterFilter::onUpstreamReset(UpstreamRequest& attempt, http::StreamResetReason reason) {
  if (response_complete_) return;
  cluster_->config().stats->upstream_rq_rx_reset.inc();
  auto& info = callbacks_->streamInfo();
  log::debug("router: upstream {} reset: {}", attempt.host().address().str(),
             http::toString(reason));
  if (&attempt == final_attempt_) {
    info.setResponseFlag(ResponseFlag::kUpstreamRemoteReset);
    callbacks_->resetStream();
    return;
  }
  switch (reason) {
    case http::StreamResetReason::kProtocolError:
      onAttemptFailed(attempt, AttemptFailure::kReset, FinalError::kProtocolError, false);
      return;
    case http::StreamResetReason::kOverflow:
      onAttemptFailed(attempt, AttemptFailure::kOverflow, FinalError::kReset, false);
      return;
    case http::StreamResetReason::kRemoteRefusedStreamReset:
      onAttemptFailed(attempt, AttemptFailure::kRefusedStream, FinalError::kReset, false);
      return;
    case http::StreamResetReason::kConnectionFailure:
      onAttemptFailed(attempt, AttemptFailure::kConnectFailure, FinalError::kConnectFailure, false);
      return;
    default: {
      // The connection went away with nothing of the response: on a reused connection this
      // is the keep-alive race (the upstream closed it as idle as the request went out).
      bool race = reason == http::StreamResetReason::kConnectionTermination &&
                  attempt.reusedConnection() && !attempt.responseStarted();
      onAttemptFailed(attempt, AttemptFailure::kReset, FinalError::kReset, race);
      return;
    }
  }
}

void RouterFilter::onPerTryTimeout(UpstreamRequest& attempt) {
  cluster_->config().retry_stats->upstream_rq_per_try_timeout.inc();
  if (hedge_on_per_try_timeout_) {
    // Hedging: the slow attempt keeps running; a second one races it if the policy allows.
    if (retry_state_.has_value() && !attempt.responseStarted() &&
        retry_state_->wouldRetryFromFailure(AttemptFailure::kPerTryTimeout, true)) {
      maybeRetry(attempt, nullptr, /*reset_attempt=*/false);
    }
    return;
  }
  if (&attempt == final_attempt_) {
    // The response had started: the per-try budget ran out mid-body.
    onTimeout();
    return;
  }
  attempt.timeout();
  onAttemptFailed(attempt, AttemptFailure::kPerTryTimeout, FinalError::kPerTryTimeout, false);
}

void RouterFilter::onPerTryIdleTimeout(UpstreamRequest& attempt) {
  cluster_->config().retry_stats->upstream_rq_per_try_idle_timeout.inc();
  if (&attempt == final_attempt_) {
    onTimeout();
    return;
  }
  attempt.timeout();
  onAttemptFailed(attempt, AttemptFailure::kPerTryTimeout, FinalError::kPerTryTimeout, false);
}

void RouterFilter::onUpstreamAboveWriteBufferHighWatermark() {
  callbacks_->onDecoderFilterAboveWriteBufferHighWatermark();
}

void RouterFilter::onUpstreamBelowWriteBufferLowWatermark() {
  callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
}

void RouterFilter::DownstreamWatermarks::onAboveWriteBufferHighWatermark() {
  UpstreamRequest* a =
      parent.final_attempt_ != nullptr ? parent.final_attempt_ : parent.upstream_request_;
  if (a != nullptr) a->readDisable(true);
}

void RouterFilter::DownstreamWatermarks::onBelowWriteBufferLowWatermark() {
  UpstreamRequest* a =
      parent.final_attempt_ != nullptr ? parent.final_attempt_ : parent.upstream_request_;
  if (a != nullptr) a->readDisable(false);
}

void RouterFilter::onTimeout() {
  cluster_->config().stats->upstream_rq_timeout.inc();
  retry_timer_.reset();
  retry_scheduled_ = false;
  releaseRetry();
  for (const auto& attempt : upstream_requests_) {
    if (attempt->live()) attempt->timeout();
  }
  auto& info = callbacks_->streamInfo();
  info.setResponseFlag(ResponseFlag::kUpstreamRequestTimeout);
  if (response_started_) {
    callbacks_->resetStream();
    return;
  }
  callbacks_->sendLocalReply(504, "upstream request timeout", "upstream_response_timeout");
}

void RouterFilter::onDestroy() {
  if (destroyed_) return;
  destroyed_ = true;
  timeout_timer_.reset();
  retry_timer_.reset();
  releaseRetry();
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
