#include "proxy/http/active_stream.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "proxy/core/log.h"
#include "proxy/core/overload_state.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/conn_manager.h"
#include "proxy/http/grpc_timeout.h"
#include "proxy/http/internal_request.h"
#include "proxy/http/local_reply.h"
#include "proxy/http/path_utility.h"
#include "proxy/http/request_id.h"
#include "proxy/http/trace_header_map.h"
#include "proxy/network/connection.h"

namespace meshproxy::http {
namespace {

// Hop-by-hop fields a proxy must not forward, switched on length so one pass over the
// fields costs a compare or two each. An upgrade keeps Upgrade and Connection; TE goes
// unless told to keep it (a request's "TE: trailers" is end to end).
bool isHopByHop(const std::string& n, bool upgrading, bool drop_te) {
  switch (n.size()) {
    case 2:
      return drop_te && n == "te";
    case 7:
      return !upgrading && n == "upgrade";
    case 10:
      return n == "keep-alive" || (!upgrading && n == "connection");
    case 16:
      return n == "proxy-connection";
    case 17:
      return n == "transfer-encoding";
    default:
      return false;
  }
}

}  // namespace

ActiveStream::ActiveStream(ConnectionManager& manager, ResponseEncoder& encoder, uint64_t id)
    : manager_(manager),
      config_(manager.config()),
      encoder_(encoder),
      id_(id),
      info_(accesslog::StreamInfo::startingNow()),
      filter_manager_(*this, info_, id, encoder.stream().bufferLimit()) {
  encoder_.stream().addCallbacks(*this);
  const auto& conn = manager_.connection();
  info_.downstream_direct_remote_address = conn.remoteAddress().str();
  info_.downstream_remote_address = conn.remoteAddress().str();
  info_.downstream_local_address = conn.localAddress().str();
  if (const auto& ssl = conn.ssl(); ssl != nullptr) {
    info_.downstream_peer_uri_san = ssl->peerUriSan();
    info_.requested_server_name = ssl->serverName();
  }
  info_.protocol = toString(manager_.codec().protocol());
  config_.stats->downstream_rq_total.inc();
  config_.stats->downstream_rq_active.inc();
  uv_loop_t* loop = manager_.worker().loop.uv();
  idle_timeout_ = config_.stream_idle_timeout;
  if (idle_timeout_.count() > 0) {
    idle_timer_ = std::make_unique<Timer>(loop, [this] { onStreamIdleTimeout(); });
    resetIdleTimer();
    idle_timer_->enable(idle_timeout_);
  }
  if (config_.request_timeout.count() > 0) {
    request_timer_ = std::make_unique<Timer>(loop, [this] { onRequestTimeout(); });
    request_timer_->enable(config_.request_timeout);
  }
  // The connection manager's max_stream_duration runs from the start; a route's replaces it
  // once the route is known (refreshDurationTimeout).
  if (config_.max_stream_duration.count() > 0) {
    max_duration_timer_ = std::make_unique<Timer>(loop, [this] { onMaxStreamDuration(); });
    max_duration_timer_->enable(config_.max_stream_duration);
  }
  if (config_.request_headers_timeout.count() > 0) {
    request_headers_timer_ = std::make_unique<Timer>(loop, [this] { onRequestHeadersTimeout(); });
    request_headers_timer_->enable(config_.request_headers_timeout);
  }
}

ActiveStream::~ActiveStream() {
  if (!finished_) {
    // Torn down with the connection: count it and let the filters clean up.
    filter_manager_.onStreamFinished();
    config_.stats->downstream_rq_active.dec();
  }
}

WorkerContext& ActiveStream::worker() { return manager_.worker(); }

const network::Connection& ActiveStream::connection() { return manager_.connection(); }

uint64_t ActiveStream::routeRandom() {
  if (!route_random_.has_value()) route_random_ = manager_.worker().random();
  return *route_random_;
}

const RouteConfig* ActiveStream::routeConfig() {
  if (route_table_ == nullptr) {
    if (config_.route_config != nullptr) {
      route_table_ = config_.route_config.get();
    } else if (WorkerRouteTables* routes = manager_.worker().routes; routes != nullptr) {
      route_table_ = routes->get(config_.rds_route_config_slot);
      if (route_table_ != nullptr) route_tables_pin_ = RouteTablesPin(*routes);
    }
  }
  return route_table_;
}

const Route* ActiveStream::route() {
  if (!cached_route_.has_value()) {
    const Route* r = nullptr;
    const HeaderMap* request_headers = filter_manager_.requestHeaders();
    if (const RouteConfig* table = routeConfig(); table != nullptr && request_headers != nullptr) {
      r = table->match(*request_headers, routeRandom());
    }
    cached_route_ = r;
    info_.route_name = r == nullptr ? std::string_view() : std::string_view(r->name());
    if (r != nullptr) refreshDurationTimeout(*r);
    if (r == nullptr) {
      config_.stats->no_route.inc();
    } else if (auto route_idle_timeout = r->idleTimeout(); route_idle_timeout.has_value()) {
      // A route's idle_timeout replaces the connection manager's stream_idle_timeout.
      idle_timeout_ = *route_idle_timeout;
      if (idle_timeout_.count() == 0) {
        idle_timer_.reset();
      } else {
        if (idle_timer_ == nullptr) {
          idle_timer_ = std::make_unique<Timer>(manager_.worker().loop.uv(),
                                                [this] { onStreamIdleTimeout(); });
        }
        resetIdleTimer();
        idle_timer_->enable(idle_timeout_);
      }
    }
  }
  return *cached_route_;
}

// The stream's deadline once its route is known, as Envoy's refreshDurationTimeout: the
// route's max_stream_duration (0 disables), else the connection manager's; or, where the route
// has grpc_timeout_header_max and the request a valid grpc-timeout, that header capped at the
// max (0: no cap) less the offset. Counted from the start of the stream. Routes without a
// max_stream_duration and connection managers without one cost a branch here.
void ActiveStream::refreshDurationTimeout(const Route& route) {
  const StreamDurationPolicy* policy = route.streamDuration();
  if (policy == nullptr && config_.max_stream_duration.count() == 0) {
    if (max_duration_timer_ != nullptr) max_duration_timer_->disable();
    return;
  }
  HeaderMap* headers = filter_manager_.requestHeaders();
  std::optional<std::chrono::milliseconds> grpc_timeout;
  if (policy != nullptr && policy->grpc_timeout_header_max.has_value() && headers != nullptr) {
    grpc_timeout = grpcTimeout(*headers);
  }
  std::chrono::milliseconds timeout{0};
  if (grpc_timeout.has_value()) {
    timeout = *grpc_timeout;
    const auto max = *policy->grpc_timeout_header_max;
    if (max.count() != 0 && timeout > max) timeout = max;
    if (timeout.count() != 0 && policy->grpc_timeout_header_offset.has_value()) {
      const auto offset = *policy->grpc_timeout_header_offset;
      timeout = offset < timeout ? timeout - offset : std::chrono::milliseconds(0);
    }
  } else if (policy != nullptr && policy->max_stream_duration.has_value()) {
    timeout = *policy->max_stream_duration;
    if (timeout.count() == 0) {
      disableDurationTimeout(policy, headers);
      return;
    }
  } else if (config_.max_stream_duration.count() > 0) {
    timeout = config_.max_stream_duration;
  } else {
    disableDurationTimeout(policy, headers);
    return;
  }
  // The upstream learns the deadline it has (before the time already used, as Envoy does).
  if (policy != nullptr && headers != nullptr && isGrpcRequest(*headers)) {
    setGrpcTimeout(*headers, timeout);
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      info_.sinceStart(std::chrono::steady_clock::now()));
  auto left = timeout > elapsed ? timeout - elapsed : std::chrono::milliseconds(0);
  if (max_duration_timer_ == nullptr) {
    max_duration_timer_ =
        std::make_unique<Timer>(manager_.worker().loop.uv(), [this] { onMaxStreamDuration(); });
  }
  max_duration_timer_->enable(left);
}

void ActiveStream::disableDurationTimeout(const StreamDurationPolicy* policy, HeaderMap* headers) {
  if (max_duration_timer_ == nullptr) return;
  max_duration_timer_->disable();
  if (policy != nullptr && headers != nullptr && isGrpcRequest(*headers)) {
    headers->remove(kGrpcTimeoutHeader);
  }
}

// Envoy's answer: 504 once the request is complete, 408 while it is still arriving (an HTTP/1
// connection whose request never completed cannot carry another); gRPC: DEADLINE_EXCEEDED.
void ActiveStream::onMaxStreamDuration() {
  if (finished_) return;
  config_.stats->downstream_rq_max_duration_reached.inc();
  info_.setResponseFlag(accesslog::ResponseFlag::kDurationTimeout);
  if (filter_manager_.responseHeadersSent()) {
    resetStream(StreamResetReason::kLocalReset);
    return;
  }
  const uint32_t status = filter_manager_.remoteDecodeComplete() ? 504 : 408;
  const HeaderMap* request = filter_manager_.requestHeaders();
  if (request != nullptr && isGrpcRequest(*request)) {
    LocalReplyOptions deadline_exceeded;
    deadline_exceeded.grpc_status = 4;
    filter_manager_.sendLocalReply(status, "downstream duration timeout", "max_duration_timeout",
                                   &deadline_exceeded);
    return;
  }
  sendLocalReply(status, "downstream duration timeout", "max_duration_timeout");
}

void ActiveStream::resetIdleTimer() {
  if (idle_timer_ != nullptr) {
    idle_deadline_ms_ =
        manager_.worker().loop.nowMs() + static_cast<uint64_t>(idle_timeout_.count());
  }
}

// ---- request path ------------------------------------------------------------------------

void ActiveStream::decodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  filter_manager_.setRequestHeaders(std::move(headers), end_stream);
  request_headers_timer_.reset();
  // The codec knows the version once it has parsed the start line.
  info_.protocol = toString(manager_.codec().protocol());
  if (end_stream) onRequestComplete();
  resetIdleTimer();
  if (!prepareRequest()) return;
  createFilterChain();
  filter_manager_.decodeHeaders();
}

// FilterConfig.disabled in typed_per_filter_config leaves a filter out of the chain of the
// requests its route matches; only then is the route matched before the chain exists (Envoy
// decides on this initial route too).
void ActiveStream::createFilterChain() {
  const Route* initial = nullptr;
  if (const RouteConfig* table = routeConfig(); table != nullptr && table->disablesFilters()) {
    initial = route();
  }
  for (const auto& filter : config_.filter_factories) {
    if (initial != nullptr && initial->filterDisabled(filter.name)) continue;
    filter_manager_.setFilterConfigName(filter.name);
    filter.factory(filter_manager_);
  }
}

void ActiveStream::onRequestComplete() {
  info_.last_downstream_rx_byte_received = info_.sinceStart(std::chrono::steady_clock::now());
  if (request_timer_) request_timer_->disable();
}

bool ActiveStream::prepareRequest() {
  // The overload manager's stop_accepting_requests: Envoy's 503 "envoy overloaded" before any
  // filter runs.
  if (overload::isActive(overload::kStopAcceptingRequests) &&
      !manager_.callbacks().bypassOverloadManager()) {
    sendLocalReply(503, "envoy overloaded", "overload");
    return false;
  }
  HeaderMap& h = *filter_manager_.requestHeaders();
  // The codec checked what its protocol requires of the head (HTTP/1: origin-form target or
  // OPTIONS *, Host in 1.1): the path is not empty here.
  std::string_view path = h.path();
  if (config_.normalize_path && !path.empty() && path[0] == '/') {
    auto normalized = normalizePath(path);
    if (!normalized) {
      sendLocalReply(400, "Bad Request", "path_normalization_failed");
      return false;
    }
    h.set(headers::kPath, *normalized);
  }
  if (config_.merge_slashes) h.set(headers::kPath, mergeSlashes(h.path()));

  // Upgrades (WebSocket) only where configured, as in Envoy's upgrade_configs.
  auto upgrade = h.get(headers::kProtocol);
  if (upgrade.has_value()) {
    std::string type(*upgrade);
    toLowerAscii(type);
    bool allowed = std::find(config_.upgrade_types.begin(), config_.upgrade_types.end(), type) !=
                   config_.upgrade_types.end();
    if (!allowed) {
      config_.stats->downstream_rq_ws_on_non_ws_route.inc();
      sendLocalReply(403, "upgrade not allowed", "upgrade_failed");
      return false;
    }
    upgrade_ = true;
  }

  // Hop-by-hop headers end here (RFC 9110 7.6.1), including those Connection names.
  if (auto conn = h.getJoined("connection")) {
    for (absl::string_view token : absl::StrSplit(*conn, ',')) {
      std::string name(absl::StripAsciiWhitespace(token));
      toLowerAscii(name);
      if (name.empty() || name == "upgrade" || name[0] == ':') continue;
      if (name == "te" || name == "host") continue;
      h.remove(name);
    }
  }
  // The fixed hop-by-hop set goes in one pass over the fields (this runs on every request).
  auto te = h.get("te");
  const bool drop_te = te.has_value() && !absl::EqualsIgnoreCase(toAbsl(*te), "trailers");
  const bool upgrading = upgrade_;
  h.removeIf([drop_te, upgrading](const HeaderMap::Entry& e) {
    return isHopByHop(e.first, upgrading, drop_te);
  });
  if (upgrading) h.set("connection", "upgrade");

  // 100-continue is answered here, as Envoy does by default: the client sends its body
  // now, and the upstream never sees the expectation.
  if (auto expect = h.get("expect"); expect.has_value()) {
    if (absl::EqualsIgnoreCase(toAbsl(*expect), "100-continue")) {
      HeaderMap continue_headers;
      continue_headers.addLowercase(std::string(headers::kStatus), "100");
      encoder_.encode1xxHeaders(continue_headers);
    }
    h.remove("expect");
  }

  // Who the client is: the socket peer at the edge, else what trusted proxies recorded.
  const auto& ssl = manager_.connection().ssl();
  std::string_view scheme = manager_.connection().secure() ? "https" : "http";
  auto xff = h.get("x-forwarded-for");
  bool internal = false;
  if (config_.use_remote_address) {
    const std::string peer_ip = manager_.connection().remoteAddress().ip();
    downstream_remote_address_ = manager_.connection().remoteAddress().str();
    internal = !(xff.has_value() && !xff->empty()) && isInternalAddress(peer_ip);
    h.set("x-forwarded-for",
          xff.has_value() && !xff->empty() ? absl::StrCat(toAbsl(*xff), ",", peer_ip) : peer_ip);
    h.set("x-forwarded-proto", scheme);
  } else {
    internal = xff.has_value() && isInternalRequest(*xff);
    if (xff.has_value()) {
      std::vector<std::string> hops;
      for (absl::string_view hop : absl::StrSplit(toAbsl(*xff), ',')) {
        hops.emplace_back(absl::StripAsciiWhitespace(hop));
      }
      if (hops.size() > config_.xff_num_trusted_hops) {
        downstream_remote_address_ = hops[hops.size() - 1 - config_.xff_num_trusted_hops];
      }
    }
    h.setIfAbsent("x-forwarded-proto", scheme);
  }
  // Only internal clients steer retries, timeouts and hedging with x-envoy-* headers, and
  // only they may send the route table's internal_only_headers (Envoy's sanitizing).
  if (!internal) {
    removeEnvoyControlHeaders(h);
    if (const RouteConfig* table = routeConfig(); table != nullptr) {
      table->removeInternalOnlyHeaders(h);
    }
  }
  mutateForwardedClientCert(h, config_.forward_client_cert, config_.client_cert_details, ssl.get());
  if (!downstream_remote_address_.empty())
    info_.downstream_remote_address = downstream_remote_address_;

  if (config_.generate_request_id && !h.has("x-request-id")) {
    h.addLowercase("x-request-id", generateRequestId(manager_.worker().random));
  }
  if (config_.tracer != nullptr) startTracing(h);
  return true;
}

// Envoy traces after routing (the route's tracing overrides and decorator apply).
void ActiveStream::startTracing(HeaderMap& h) {
  trace_ = std::make_unique<tracing::StreamTrace>(*config_.tracer);
  const Route* r = route();
  tracing::RequestTraceInputs in{.host = h.authority()};
  if (r != nullptr) {
    in.route = r->tracing();
    in.decorator_operation = r->decoratorOperation();
    in.decorator_propagate = r->decoratorPropagate();
  }
  TraceHeaderMap headers(h);
  trace_->onRequestHeaders(headers, in, info_.start_time, manager_.worker().random);
  if (const tracing::Span* span = trace_->span(); span != nullptr) {
    info_.trace_id_high = span->trace_id.high;
    info_.trace_id_low = span->trace_id.low;
    info_.trace = trace_.get();
  }
}

void ActiveStream::decodeData(Buffer& data, bool end_stream) {
  info_.bytes_received += data.length();
  resetIdleTimer();
  if (end_stream) onRequestComplete();
  filter_manager_.decodeData(data, end_stream);
  if (!finished_) maybeEndStream();
}

void ActiveStream::decodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  onRequestComplete();
  filter_manager_.decodeTrailers(std::move(trailers));
  if (!finished_) maybeEndStream();
}

void ActiveStream::onRequestDataTooLarge() { config_.stats->downstream_rq_too_large.inc(); }

void ActiveStream::onDecoderFilterAboveWriteBufferHighWatermark() {
  encoder_.stream().readDisable(true);
}

void ActiveStream::onDecoderFilterBelowWriteBufferLowWatermark() {
  encoder_.stream().readDisable(false);
}

// ---- response path: what leaves the encoder filters goes to the codec --------------------

void ActiveStream::encode1xxHeaders(HeaderMap& headers) { encoder_.encode1xxHeaders(headers); }

void ActiveStream::mutateResponseHeaders(HeaderMap& h) {
  uint32_t status = h.status();
  // Hop-by-hop headers of the upstream response stop here too (one pass over the fields).
  const bool upgrading = upgrade_ && status == 101;
  h.removeIf([upgrading](const HeaderMap::Entry& e) {
    return isHopByHop(e.first, upgrading, /*drop_te=*/false);
  });
  switch (config_.server_header_transformation) {
    case ServerHeaderTransformation::kOverwrite:
      h.set("server", config_.server_name);
      break;
    case ServerHeaderTransformation::kAppendIfAbsent:
      h.setIfAbsent("server", config_.server_name);
      break;
    case ServerHeaderTransformation::kPassThrough:
      break;
  }
  // The listener is being replaced: this connection takes no further request. The codec says
  // so in its protocol (HTTP/1: Connection: close on this response, as it does for every
  // response after which the connection ends).
  // HTTP/2 announced the drain with GOAWAY when it began (ConnectionManager::onDrain).
  // The overload manager's disable_http_keepalive ends the connection after this response on
  // either protocol, as Envoy does (HTTP/2: GOAWAY).
  if ((manager_.callbacks().draining() && manager_.codec().protocol() != Protocol::kHttp2) ||
      (overload::isActive(overload::kDisableHttpKeepalive) &&
       !manager_.callbacks().bypassOverloadManager())) {
    manager_.codec().goAway();
  }
}

void ActiveStream::encodeHeaders(HeaderMap& h, bool end_stream) {
  mutateResponseHeaders(h);
  uint32_t status = h.status();
  info_.response_code = status;
  if (!info_.first_upstream_rx_byte_received.has_value()) {
    info_.first_upstream_rx_byte_received = info_.sinceStart(std::chrono::steady_clock::now());
  }
  const auto& s = *config_.stats;
  switch (status / 100) {
    case 1:
      s.downstream_rq_1xx.inc();
      break;
    case 2:
      s.downstream_rq_2xx.inc();
      break;
    case 3:
      s.downstream_rq_3xx.inc();
      break;
    case 4:
      s.downstream_rq_4xx.inc();
      break;
    default:
      s.downstream_rq_5xx.inc();
      break;
  }
  encoder_.encodeHeaders(h, end_stream);
  if (end_stream) maybeEndStream();
}

void ActiveStream::encodeData(Buffer& data, bool end_stream) {
  info_.bytes_sent += data.length();
  encoder_.encodeData(data, end_stream);
  if (end_stream) maybeEndStream();
}

void ActiveStream::encodeTrailers(HeaderMap& trailers) {
  encoder_.encodeTrailers(trailers);
  maybeEndStream();
}

// ---- local replies, resets, timeouts -----------------------------------------------------

void ActiveStream::sendLocalReply(uint32_t status, std::string_view body,
                                  std::string_view details) {
  if (finished_) return;
  filter_manager_.sendLocalReply(status, body, details);
}

void ActiveStream::resetStream(StreamResetReason reason) {
  if (finished_) return;
  config_.stats->downstream_rq_tx_reset.inc();
  info_.setResponseFlag(accesslog::ResponseFlag::kLocalReset);
  codec_stream_reset_ = true;
  encoder_.stream().resetStream(reason);
  finishStream();
}

void ActiveStream::onResetStream(StreamResetReason reason) {
  codec_stream_reset_ = true;
  if (finished_) return;
  if (reason != StreamResetReason::kLocalReset) {
    config_.stats->downstream_rq_rx_reset.inc();
    if (!filter_manager_.responseComplete()) {
      info_.setResponseFlag(accesslog::ResponseFlag::kDownstreamConnectionTermination);
    }
  }
  finishStream();
}

// The connection manager saw the connection close; the codec did not reset the stream, so it
// still knows this object as a subscriber: unsubscribe before the deferred delete frees it.
void ActiveStream::onConnectionClose() {
  if (!finished_ && !codec_stream_reset_) encoder_.stream().removeCallbacks(*this);
  onResetStream(StreamResetReason::kConnectionTermination);
}

void ActiveStream::onAboveWriteBufferHighWatermark() {
  filter_manager_.onDownstreamAboveWriteBufferHighWatermark();
}

void ActiveStream::onBelowWriteBufferLowWatermark() {
  filter_manager_.onDownstreamBelowWriteBufferLowWatermark();
}

void ActiveStream::onStreamIdleTimeout() {
  uint64_t now = manager_.worker().loop.nowMs();
  if (now < idle_deadline_ms_) {
    idle_timer_->enable(std::chrono::milliseconds(idle_deadline_ms_ - now));
    return;
  }
  config_.stats->downstream_rq_idle_timeout.inc();
  info_.setResponseFlag(accesslog::ResponseFlag::kStreamIdleTimeout);
  if (filter_manager_.responseHeadersSent()) {
    resetStream(StreamResetReason::kLocalReset);
  } else {
    sendLocalReply(408, "stream timeout", "stream_idle_timeout");
  }
}

void ActiveStream::onRequestTimeout() {
  if (filter_manager_.remoteDecodeComplete() || finished_) return;
  config_.stats->downstream_rq_timeout.inc();
  if (filter_manager_.responseHeadersSent()) {
    resetStream(StreamResetReason::kLocalReset);
  } else {
    sendLocalReply(408, "request timeout", "request_overall_timeout");
  }
}

// Envoy's answer: 408 (the codec then closes an HTTP/1 connection, whose request never
// completed).
void ActiveStream::onRequestHeadersTimeout() {
  if (finished_ || filter_manager_.requestHeaders() != nullptr) return;
  config_.stats->downstream_rq_header_timeout.inc();
  log::debug("http {}: stream {} request headers timeout", config_.stat_prefix, id_);
  sendLocalReply(408, "request header timeout", "request_header_timeout");
}

void ActiveStream::maybeEndStream() {
  if (finished_ || !filter_manager_.responseComplete()) return;
  // HTTP/1: once the response is complete the exchange is over; an unfinished request body
  // means the connection closes (the codec decided so when the headers went out).
  finishStream();
}

void ActiveStream::finishStream() {
  if (finished_) return;
  filter_manager_.onStreamFinished();
  finished_ = true;
  // A reset stream is not called again (codec.h's lifetime rule); a finished one is told we
  // are gone, since this object outlives it only until the deferred delete.
  if (!codec_stream_reset_) encoder_.stream().removeCallbacks(*this);
  idle_timer_.reset();
  request_timer_.reset();
  request_headers_timer_.reset();
  max_duration_timer_.reset();
  auto now = std::chrono::steady_clock::now();
  info_.markComplete(now);
  const auto& s = *config_.stats;
  s.downstream_rq_active.dec();
  if (filter_manager_.responseComplete()) s.downstream_rq_completed.inc();
  s.downstream_rq_time.record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(*info_.request_complete).count()));
  for (const auto& logger : config_.access_logs) logger->log(info_);
  for (const auto& observer : config_.stream_observers) observer->onStreamComplete(info_);
  if (trace_ != nullptr) {
    info_.trace = nullptr;
    trace_->finish(info_, std::chrono::system_clock::now(), manager_.worker().span_sinks);
    trace_.reset();
  }
  manager_.onStreamFinished(*this);
}

}  // namespace meshproxy::http
