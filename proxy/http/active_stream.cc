#include "proxy/http/active_stream.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/conn_manager.h"
#include "proxy/http/path_utility.h"
#include "proxy/http/request_id.h"
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

// The callbacks object each decoder filter sees; it knows its place in the chain, so
// continueDecoding() resumes after the right filter.
struct ActiveStream::DecoderFilter : public StreamDecoderFilterCallbacks,
                                     public Recycled<DecoderFilter> {
  DecoderFilter(ActiveStream& s, std::shared_ptr<StreamDecoderFilter> f, size_t i)
      : parent(s), filter(std::move(f)), index(i) {}
  WorkerContext& worker() override { return parent.manager_.worker(); }
  accesslog::StreamInfo& streamInfo() override { return parent.info_; }
  const network::Connection& connection() override { return parent.manager_.connection(); }
  const Route* route() override { return parent.route(); }
  void clearRouteCache() override { parent.cached_route_.reset(); }
  uint64_t streamId() const override { return parent.id_; }
  void continueDecoding() override { parent.continueDecoding(index); }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) override {
    parent.sendLocalReply(status, body, details);
  }
  void encode1xxHeaders(std::unique_ptr<HeaderMap> h) override { parent.encode1xx(std::move(h)); }
  void encodeHeaders(std::unique_ptr<HeaderMap> h, bool end_stream) override {
    parent.encodeHeaders(std::move(h), end_stream);
  }
  void encodeData(Buffer& data, bool end_stream) override { parent.encodeData(data, end_stream); }
  void encodeTrailers(std::unique_ptr<HeaderMap> t) override {
    parent.encodeTrailers(std::move(t));
  }
  HeaderMap* requestHeaders() override { return parent.request_headers_.get(); }
  void onDecoderFilterAboveWriteBufferHighWatermark() override {
    if (parent.upstream_above_watermark_++ == 0) parent.encoder_.stream().readDisable(true);
  }
  void onDecoderFilterBelowWriteBufferLowWatermark() override {
    if (parent.upstream_above_watermark_ > 0 && --parent.upstream_above_watermark_ == 0) {
      parent.encoder_.stream().readDisable(false);
    }
  }
  void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    parent.watermark_callbacks_.push_back(&cb);
  }
  void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    auto& cbs = parent.watermark_callbacks_;
    cbs.erase(std::remove(cbs.begin(), cbs.end(), &cb), cbs.end());
  }
  uint32_t bufferLimit() const override { return parent.bufferLimitBytes(); }
  void resetStream() override { parent.resetStream(StreamResetReason::kLocalReset); }

  ActiveStream& parent;
  std::shared_ptr<StreamDecoderFilter> filter;
  size_t index;
};

struct ActiveStream::EncoderFilter : public StreamEncoderFilterCallbacks,
                                     public Recycled<EncoderFilter> {
  EncoderFilter(ActiveStream& s, std::shared_ptr<StreamEncoderFilter> f, size_t i)
      : parent(s), filter(std::move(f)), index(i) {}
  WorkerContext& worker() override { return parent.manager_.worker(); }
  accesslog::StreamInfo& streamInfo() override { return parent.info_; }
  const network::Connection& connection() override { return parent.manager_.connection(); }
  const Route* route() override { return parent.route(); }
  void clearRouteCache() override { parent.cached_route_.reset(); }
  uint64_t streamId() const override { return parent.id_; }
  void continueEncoding() override { parent.continueEncoding(index); }
  HeaderMap* responseHeaders() override { return parent.response_headers_.get(); }

  ActiveStream& parent;
  std::shared_ptr<StreamEncoderFilter> filter;
  size_t index;
};

ActiveStream::ActiveStream(ConnectionManager& manager, ResponseEncoder& encoder, uint64_t id)
    : manager_(manager),
      config_(manager.config()),
      encoder_(encoder),
      id_(id),
      info_(accesslog::StreamInfo::startingNow()) {
  encoder_.stream().setCallbacks(this);
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
}

ActiveStream::~ActiveStream() {
  if (!state_.finished) {
    // Torn down with the connection: count it and let the filters clean up.
    destroyFilters();
    config_.stats->downstream_rq_active.dec();
  }
}

uint32_t ActiveStream::bufferLimitBytes() const {
  return manager_.callbacks().connection().bufferLimit();
}

void ActiveStream::addDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) {
  auto wrapper = std::make_unique<DecoderFilter>(*this, std::move(filter), decoder_filters_.size());
  wrapper->filter->setDecoderFilterCallbacks(*wrapper);
  decoder_filters_.push_back(std::move(wrapper));
}

void ActiveStream::addEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) {
  auto wrapper = std::make_unique<EncoderFilter>(*this, std::move(filter), encoder_filters_.size());
  wrapper->filter->setEncoderFilterCallbacks(*wrapper);
  encoder_filters_.push_back(std::move(wrapper));
}

const Route* ActiveStream::route() {
  if (!cached_route_.has_value()) {
    const Route* r = nullptr;
    if (route_table_ == nullptr) {
      if (config_.route_config != nullptr) {
        route_table_ = config_.route_config.get();
      } else if (WorkerRouteTables* routes = manager_.worker().routes; routes != nullptr) {
        route_table_ = routes->get(config_.rds_route_config_slot);
        if (route_table_ != nullptr) route_tables_pin_ = RouteTablesPin(*routes);
      }
    }
    if (route_table_ != nullptr && request_headers_ != nullptr) {
      r = route_table_->match(*request_headers_, manager_.worker().random());
    }
    cached_route_ = r;
    info_.route_name = r == nullptr ? std::string_view() : std::string_view(r->name());
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

void ActiveStream::resetIdleTimer() {
  if (idle_timer_ != nullptr) {
    idle_deadline_ms_ =
        manager_.worker().loop.nowMs() + static_cast<uint64_t>(idle_timeout_.count());
  }
}

// ---- request path ------------------------------------------------------------------------

void ActiveStream::decodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  request_headers_ = std::move(headers);
  info_.request_headers = request_headers_.get();
  state_.request_headers_received = true;
  manager_.onRequestHeadersReceived();
  state_.request_complete = end_stream;
  if (end_stream) {
    info_.last_downstream_rx_byte_received = info_.sinceStart(std::chrono::steady_clock::now());
    if (request_timer_) request_timer_->disable();
  }
  resetIdleTimer();
  if (!prepareRequest()) return;
  for (const auto& factory : config_.filter_factories) factory(*this);
  decodeHeadersFrom(0);
}

bool ActiveStream::prepareRequest() {
  HeaderMap& h = *request_headers_;
  std::string_view path = h.path();
  std::string_view method = h.method();
  // Requests the codec framed correctly but that no server may act on are protocol errors:
  // answered 400, and the connection goes, as Envoy does.
  if (path.empty() || (path[0] != '/' && !(method == "OPTIONS" && path == "*"))) {
    config_.stats->downstream_cx_protocol_error.inc();
    manager_.closeAfterResponse();
    sendLocalReply(400, "Bad Request", "http1.invalid_path");
    return false;
  }
  if (h.authority().empty() && manager_.codec().protocol() == Protocol::kHttp11) {
    config_.stats->downstream_cx_protocol_error.inc();
    manager_.closeAfterResponse();
    sendLocalReply(400, "missing host header", "missing_host_header");
    return false;
  }
  if (config_.normalize_path && path[0] == '/') {
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
    state_.upgrade = true;
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
  const bool upgrading = state_.upgrade;
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
  if (config_.use_remote_address) {
    const std::string peer_ip = manager_.connection().remoteAddress().ip();
    downstream_remote_address_ = manager_.connection().remoteAddress().str();
    h.set("x-forwarded-for",
          xff.has_value() && !xff->empty() ? absl::StrCat(toAbsl(*xff), ",", peer_ip) : peer_ip);
    h.set("x-forwarded-proto", scheme);
  } else {
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
  mutateForwardedClientCert(h, config_.forward_client_cert, config_.client_cert_details, ssl.get());
  if (!downstream_remote_address_.empty())
    info_.downstream_remote_address = downstream_remote_address_;

  if (config_.generate_request_id && !h.has("x-request-id")) {
    h.addLowercase("x-request-id", generateRequestId(manager_.worker().random));
  }
  return true;
}

void ActiveStream::decodeHeadersFrom(size_t index) {
  size_t n = decoder_filters_.size();
  bool end_stream = state_.request_complete && buffered_request_data_.empty() && !request_trailers_;
  for (size_t i = index; i < n; ++i) {
    state_.decoding_stopped_at = i + 1;  // filters before this index have seen the headers
    auto status = decoder_filters_[i]->filter->decodeHeaders(*request_headers_, end_stream);
    if (state_.finished || state_.local_reply_in_progress) return;
    if (status == FilterHeadersStatus::kStopIteration) {
      state_.decoding_stopped = true;
      return;
    }
  }
  state_.decoding_stopped = false;
  state_.decoding_stopped_at = n;
}

void ActiveStream::decodeData(Buffer& data, bool end_stream) {
  info_.bytes_received += data.length();
  resetIdleTimer();
  if (end_stream) {
    state_.request_complete = true;
    info_.last_downstream_rx_byte_received = info_.sinceStart(std::chrono::steady_clock::now());
    if (request_timer_) request_timer_->disable();
  }
  if (state_.finished || state_.local_reply_in_progress || state_.response_complete) {
    data.clear();
    maybeEndStream();
    return;
  }
  decodeDataFrom(0, data, end_stream);
}

void ActiveStream::decodeDataFrom(size_t index, Buffer& data, bool end_stream) {
  // Data reaches only the filters that have seen the headers.
  size_t limit = state_.decoding_stopped ? state_.decoding_stopped_at : decoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = decoder_filters_[i]->filter->decodeData(data, end_stream);
    if (state_.finished || state_.local_reply_in_progress) return;
    if (status == FilterDataStatus::kStopIterationAndBuffer) {
      buffered_request_data_.move(data);
      if (buffered_request_data_.length() > bufferLimitBytes()) {
        config_.stats->downstream_rq_too_large.inc();
        sendLocalReply(413, "Payload Too Large", "request_payload_too_large");
      }
      return;
    }
    if (status == FilterDataStatus::kStopIterationNoBuffer) return;
    if (i + 1 == limit && state_.decoding_stopped && limit < decoder_filters_.size()) {
      // The filter that stopped the headers let data through: that resumes iteration.
      state_.decoding_stopped = false;
      decodeHeadersFrom(limit);
      if (state_.finished || state_.local_reply_in_progress) return;
      limit = state_.decoding_stopped ? state_.decoding_stopped_at : decoder_filters_.size();
    }
  }
  if (limit == decoder_filters_.size() && !state_.decoding_stopped) data.clear();
}

void ActiveStream::decodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  request_trailers_ = std::move(trailers);
  state_.request_complete = true;
  info_.last_downstream_rx_byte_received = info_.sinceStart(std::chrono::steady_clock::now());
  if (request_timer_) request_timer_->disable();
  if (state_.finished || state_.local_reply_in_progress || state_.response_complete) {
    maybeEndStream();
    return;
  }
  if (!buffered_request_data_.empty() || state_.decoding_stopped) {
    state_.decode_trailers_pending = true;
    // Filters that have seen the headers still get the trailers now.
    if (!buffered_request_data_.empty()) return;
  }
  decodeTrailersFrom(0);
}

void ActiveStream::decodeTrailersFrom(size_t index) {
  size_t limit = state_.decoding_stopped ? state_.decoding_stopped_at : decoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = decoder_filters_[i]->filter->decodeTrailers(*request_trailers_);
    if (state_.finished || state_.local_reply_in_progress) return;
    if (status == FilterTrailersStatus::kStopIteration) return;
  }
  if (limit == decoder_filters_.size()) state_.decode_trailers_pending = false;
}

void ActiveStream::continueDecoding(size_t filter_index) {
  if (state_.finished || state_.local_reply_in_progress) return;
  size_t next = filter_index + 1;
  if (state_.decoding_stopped && state_.decoding_stopped_at == next) {
    state_.decoding_stopped = false;
    decodeHeadersFrom(next);
    if (state_.finished || state_.local_reply_in_progress) return;
  }
  if (!buffered_request_data_.empty()) {
    Buffer data = std::move(buffered_request_data_);
    bool end_stream = state_.request_complete && !request_trailers_;
    decodeDataFrom(next, data, end_stream);
    if (state_.finished || state_.local_reply_in_progress) return;
  }
  if (request_trailers_ && state_.decode_trailers_pending) decodeTrailersFrom(next);
}

// ---- response path -----------------------------------------------------------------------

void ActiveStream::encode1xx(std::unique_ptr<HeaderMap> headers) {
  if (state_.response_headers_sent) return;
  encoder_.encode1xxHeaders(*headers);
}

void ActiveStream::encodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  response_headers_ = std::move(headers);
  info_.response_headers = response_headers_.get();
  state_.encode_end_stream_pending = end_stream;
  resetIdleTimer();
  encodeHeadersFrom(0);
}

void ActiveStream::encodeHeadersFrom(size_t index) {
  bool end_stream =
      state_.encode_end_stream_pending && buffered_response_data_.empty() && !response_trailers_;
  for (size_t i = index; i < encoder_filters_.size(); ++i) {
    state_.encoding_stopped_at = i + 1;
    auto status = encoder_filters_[i]->filter->encodeHeaders(*response_headers_, end_stream);
    if (state_.finished) return;
    if (status == FilterHeadersStatus::kStopIteration) {
      state_.encoding_stopped = true;
      return;
    }
  }
  state_.encoding_stopped = false;
  state_.encoding_stopped_at = encoder_filters_.size();
  writeHeaders(end_stream);
}

void ActiveStream::encodeData(Buffer& data, bool end_stream) {
  resetIdleTimer();
  if (end_stream) state_.encode_end_stream_pending = true;
  encodeDataFrom(0, data, end_stream);
}

void ActiveStream::encodeDataFrom(size_t index, Buffer& data, bool end_stream) {
  size_t limit = state_.encoding_stopped ? state_.encoding_stopped_at : encoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = encoder_filters_[i]->filter->encodeData(data, end_stream);
    if (state_.finished) return;
    if (status == FilterDataStatus::kStopIterationAndBuffer) {
      buffered_response_data_.move(data);
      return;
    }
    if (status == FilterDataStatus::kStopIterationNoBuffer) return;
  }
  if (state_.encoding_stopped) {
    buffered_response_data_.move(data);
    return;
  }
  writeData(data, end_stream);
}

void ActiveStream::encodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  response_trailers_ = std::move(trailers);
  info_.response_trailers = response_trailers_.get();
  state_.encode_end_stream_pending = true;
  encodeTrailersFrom(0);
}

void ActiveStream::encodeTrailersFrom(size_t index) {
  size_t limit = state_.encoding_stopped ? state_.encoding_stopped_at : encoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = encoder_filters_[i]->filter->encodeTrailers(*response_trailers_);
    if (state_.finished) return;
    if (status == FilterTrailersStatus::kStopIteration) {
      state_.encode_trailers_pending = true;
      return;
    }
  }
  if (state_.encoding_stopped || !buffered_response_data_.empty()) {
    state_.encode_trailers_pending = true;
    return;
  }
  writeTrailers();
}

void ActiveStream::continueEncoding(size_t filter_index) {
  if (state_.finished) return;
  size_t next = filter_index + 1;
  if (state_.encoding_stopped && state_.encoding_stopped_at == next &&
      !state_.response_headers_sent) {
    state_.encoding_stopped = false;
    encodeHeadersFrom(next);
    if (state_.finished) return;
  } else {
    state_.encoding_stopped = false;
  }
  if (!buffered_response_data_.empty()) {
    Buffer data = std::move(buffered_response_data_);
    encodeDataFrom(next, data, state_.encode_end_stream_pending && !response_trailers_);
    if (state_.finished) return;
  }
  if (response_trailers_ && state_.encode_trailers_pending) {
    state_.encode_trailers_pending = false;
    encodeTrailersFrom(next);
  }
}

void ActiveStream::mutateResponseHeaders(HeaderMap& h) {
  uint32_t status = h.status();
  // Hop-by-hop headers of the upstream response stop here too (one pass over the fields).
  const bool upgrading = state_.upgrade && status == 101;
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
  if (manager_.callbacks().draining() && !(state_.upgrade && status == 101)) {
    // The listener is being replaced: this connection carries no further request.
    manager_.closeAfterResponse();
  }
  if (manager_.closing() || manager_.codec().wantsToClose() || !state_.request_complete) {
    // The connection will not carry another request: say so.
    if (!(state_.upgrade && status == 101)) h.set("connection", "close");
  }
}

void ActiveStream::writeHeaders(bool end_stream) {
  HeaderMap& h = *response_headers_;
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
  if (!state_.request_complete && !(state_.upgrade && status == 101)) {
    // An HTTP/1 response that ends before its request cannot leave the connection usable.
    manager_.closeAfterResponse();
  }
  state_.response_headers_sent = true;
  if (end_stream) state_.response_complete = true;
  encoder_.encodeHeaders(h, end_stream);
  if (end_stream) maybeEndStream();
}

void ActiveStream::writeData(Buffer& data, bool end_stream) {
  info_.bytes_sent += data.length();
  if (end_stream) state_.response_complete = true;
  encoder_.encodeData(data, end_stream);
  if (end_stream) maybeEndStream();
}

void ActiveStream::writeTrailers() {
  state_.response_complete = true;
  encoder_.encodeTrailers(*response_trailers_);
  maybeEndStream();
}

// ---- local replies, resets, timeouts -----------------------------------------------------

void ActiveStream::sendLocalReply(uint32_t status, std::string_view body,
                                  std::string_view details) {
  if (state_.finished) return;
  response_code_details_ = std::string(details);
  info_.response_code_details = response_code_details_;
  if (state_.response_headers_sent) {
    // Too late for a clean answer: the only signal left is a reset.
    resetStream(StreamResetReason::kLocalReset);
    return;
  }
  // The filters that were handling the request must stop; their upstream work is moot.
  state_.local_reply_in_progress = true;
  destroyFilters();
  auto headers = std::make_unique<HeaderMap>();
  headers->addLowercase(std::string(headers::kStatus), std::to_string(status));
  std::string body_text(body);
  if (!body_text.empty()) {
    headers->addLowercase("content-type", "text/plain");
  }
  headers->addLowercase("content-length", std::to_string(body_text.size()));
  if (!details.empty()) headers->addLowercase("x-meshproxy-reason", std::string(details));
  response_headers_ = std::move(headers);
  info_.response_headers = response_headers_.get();
  // Local replies go straight to the codec: the filters were told to stop above.
  if (body_text.empty() || (request_headers_ && request_headers_->method() == "HEAD")) {
    writeHeaders(true);
    return;
  }
  writeHeaders(false);
  if (state_.finished) return;
  Buffer data;
  data.add(body_text);
  writeData(data, true);
}

void ActiveStream::resetStream(StreamResetReason reason) {
  if (state_.finished) return;
  state_.reset = true;
  config_.stats->downstream_rq_tx_reset.inc();
  info_.setResponseFlag(accesslog::ResponseFlag::kLocalReset);
  encoder_.stream().resetStream(reason);
  finishStream();
}

void ActiveStream::onResetStream(StreamResetReason reason) {
  if (state_.finished) return;
  state_.reset = true;
  if (reason != StreamResetReason::kLocalReset) {
    config_.stats->downstream_rq_rx_reset.inc();
    if (!state_.response_complete) {
      info_.setResponseFlag(accesslog::ResponseFlag::kDownstreamConnectionTermination);
    }
  }
  finishStream();
}

void ActiveStream::onConnectionClose() { onResetStream(StreamResetReason::kConnectionTermination); }

void ActiveStream::onAboveWriteBufferHighWatermark() {
  for (auto* cb : watermark_callbacks_) cb->onAboveWriteBufferHighWatermark();
}

void ActiveStream::onBelowWriteBufferLowWatermark() {
  for (auto* cb : watermark_callbacks_) cb->onBelowWriteBufferLowWatermark();
}

void ActiveStream::onStreamIdleTimeout() {
  uint64_t now = manager_.worker().loop.nowMs();
  if (now < idle_deadline_ms_) {
    idle_timer_->enable(std::chrono::milliseconds(idle_deadline_ms_ - now));
    return;
  }
  config_.stats->downstream_rq_idle_timeout.inc();
  info_.setResponseFlag(accesslog::ResponseFlag::kStreamIdleTimeout);
  if (state_.response_headers_sent) {
    resetStream(StreamResetReason::kLocalReset);
  } else {
    sendLocalReply(408, "stream timeout", "stream_idle_timeout");
  }
}

void ActiveStream::onRequestTimeout() {
  if (state_.request_complete || state_.finished) return;
  config_.stats->downstream_rq_timeout.inc();
  if (state_.response_headers_sent) {
    resetStream(StreamResetReason::kLocalReset);
  } else {
    sendLocalReply(408, "request timeout", "request_overall_timeout");
  }
}

void ActiveStream::maybeEndStream() {
  if (state_.finished || !state_.response_complete) return;
  // HTTP/1: once the response is complete the exchange is over; an unfinished request body
  // means the connection closes (closeAfterResponse was called when headers went out).
  finishStream();
}

// Filters are told once; the objects live until the stream itself is deleted (deferred), since
// this is often reached from inside one of their own calls.
void ActiveStream::destroyFilters() {
  if (filters_destroyed_) return;
  filters_destroyed_ = true;
  for (auto& f : decoder_filters_) f->filter->onDestroy();
  for (auto& f : encoder_filters_) f->filter->onDestroy();
  watermark_callbacks_.clear();
}

void ActiveStream::finishStream() {
  if (state_.finished) return;
  destroyFilters();
  state_.finished = true;
  idle_timer_.reset();
  request_timer_.reset();
  auto now = std::chrono::steady_clock::now();
  info_.markComplete(now);
  const auto& s = *config_.stats;
  s.downstream_rq_active.dec();
  if (state_.response_complete) s.downstream_rq_completed.inc();
  s.downstream_rq_time.record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(*info_.request_complete).count()));
  for (const auto& logger : config_.access_logs) logger->log(info_);
  manager_.onStreamFinished(*this);
}

}  // namespace meshproxy::http
