#include "proxy/upstream/upstream_request.h"

#include "proxy/upstream/outlier_reporter.h"

namespace meshproxy::upstream {

UpstreamRequest::UpstreamRequest(UpstreamRequestCallbacks& parent, EventLoop& loop,
                                 uint32_t worker_index, WorkerHost& host,
                                 const ClusterConfig& cluster, uint32_t buffer_limit)
    : parent_(parent),
      loop_(loop),
      worker_index_(worker_index),
      host_(host),
      cluster_(cluster),
      buffer_limit_(buffer_limit) {}

UpstreamRequest::~UpstreamRequest() { finish(/*reset=*/true); }

void UpstreamRequest::start(ConnPool& pool, const http::HeaderMap& headers, bool end_stream) {
  headers_ = &headers;
  request_complete_ = end_stream;
  start_time_ = std::chrono::steady_clock::now();
  cluster_.stats->upstream_rq_total.inc();
  priority_ = pool.key().priority;
  // circuit_breakers max_requests, counted across workers. Envoy checks it when the stream
  // attaches to a connection; an attempt here counts from its start, so one waiting for a
  // connection holds its slot already.
  uint64_t max_requests = cluster_.circuit_breakers.at(priority_).max_requests;
  ClusterResources::Resource& requests = cluster_.resources->at(priority_).requests;
  if (!requests.canCreate(max_requests)) {
    cluster_.stats->upstream_rq_pending_overflow.inc();
    finished_ = true;
    parent_.onUpstreamPoolFailure(*this, PoolFailureReason::kOverflow, "requests overflow");
    return;
  }
  cluster_.stats->upstream_rq_active.inc();
  requests.inc(max_requests);
  ++host_->active_requests;
  counted_ = true;
  pool.newStream(*this, *this, handle_);
}

void UpstreamRequest::onPoolReady(PoolStream& stream) {
  // handle_ holds `stream` now.
  reportLocalOrigin(host_->host(), worker_index_, cluster_, LocalOriginResult::kConnectSuccess);
  stream.encoder().stream().addCallbacks(*this);
  request_started_ = true;
  reused_connection_ = stream.reusedConnection();
  parent_.onUpstreamStream(*this, stream);
  if (handle_.stream() == nullptr) return;  // the parent gave up on it
  bool end_stream = request_complete_ && held_body_.empty() && trailers_ == nullptr;
  if (end_stream) request_sent_ = true;
  encoder().encodeHeaders(*headers_, end_stream);
  if (handle_.stream() == nullptr) return;
  if (!held_body_.empty()) {
    bool body_ends = request_complete_ && trailers_ == nullptr;
    if (body_ends) request_sent_ = true;
    encoder().encodeData(held_body_, body_ends);
    if (handle_.stream() == nullptr) return;
    if (held_above_limit_) {
      held_above_limit_ = false;
      parent_.onUpstreamBelowWriteBufferLowWatermark();
      if (handle_.stream() == nullptr) return;
    }
  }
  if (trailers_ != nullptr) {
    request_sent_ = true;
    encoder().encodeTrailers(*trailers_);
  }
}

void UpstreamRequest::onPoolFailure(PoolFailureReason reason, std::string_view details) {
  // An overflow is this proxy's limit, not the host's failure.
  if (reason != PoolFailureReason::kOverflow) {
    reportLocalOrigin(host_->host(), worker_index_, cluster_, LocalOriginResult::kConnectFailed);
  }
  finish(/*reset=*/false);
  parent_.onUpstreamPoolFailure(*this, reason, details);
}

void UpstreamRequest::encodeData(Buffer& data, bool end_stream) {
  if (end_stream) request_complete_ = true;
  if (finished_) {
    data.clear();  // the attempt is over (response complete, reset, failed)
    return;
  }
  if (handle_.stream() != nullptr) {
    if (end_stream) request_sent_ = true;
    encoder().encodeData(data, end_stream);
    return;
  }
  held_body_.move(data);
  // Waiting for a stream: hold the body, but make the client wait too once it is large.
  if (!held_above_limit_ && held_body_.length() > buffer_limit_) {
    held_above_limit_ = true;
    parent_.onUpstreamAboveWriteBufferHighWatermark();
  }
}

void UpstreamRequest::encodeTrailers(const http::HeaderMap& trailers) {
  request_complete_ = true;
  if (finished_) return;
  if (handle_.stream() != nullptr) {
    request_sent_ = true;
    encoder().encodeTrailers(trailers);
    return;
  }
  trailers_ = &trailers;
}

void UpstreamRequest::readDisable(bool disable) {
  if (read_disabled_ == disable || handle_.stream() == nullptr) return;
  read_disabled_ = disable;
  encoder().stream().readDisable(disable);
}

void UpstreamRequest::resetStream() { finish(/*reset=*/true); }

void UpstreamRequest::timeout() {
  if (!finished_) {
    reportLocalOrigin(host_->host(), worker_index_, cluster_, LocalOriginResult::kTimeout);
  }
  finish(/*reset=*/true);
}

void UpstreamRequest::setPerTryTimeout(std::chrono::milliseconds timeout) {
  if (per_try_timer_ == nullptr) {
    per_try_timer_ =
        std::make_unique<Timer>(loop_.uv(), [this] { parent_.onPerTryTimeout(*this); });
  }
  per_try_timer_->enable(timeout);
}

void UpstreamRequest::setPerTryIdleTimeout(std::chrono::milliseconds timeout) {
  per_try_idle_timeout_ = timeout;
  if (per_try_idle_timer_ == nullptr) {
    per_try_idle_timer_ =
        std::make_unique<Timer>(loop_.uv(), [this] { parent_.onPerTryIdleTimeout(*this); });
  }
  per_try_idle_timer_->enable(timeout);
}

void UpstreamRequest::decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  response_started_ = true;
  touchIdleTimer();
  reportHttpStatus(host_->host(), worker_index_, cluster_, headers->status());
  if (end_stream) onResponseComplete();
  parent_.onUpstreamHeaders(*this, std::move(headers), end_stream);
}

void UpstreamRequest::decodeData(Buffer& data, bool end_stream) {
  touchIdleTimer();
  if (end_stream) onResponseComplete();
  parent_.onUpstreamData(*this, data, end_stream);
}

void UpstreamRequest::decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  onResponseComplete();
  parent_.onUpstreamTrailers(*this, std::move(trailers));
}

void UpstreamRequest::onResponseComplete() {
  response_complete_ = true;
  // The pool takes the stream back once this last callback returns.
  finish(/*reset=*/false);
}

void UpstreamRequest::onResetStream(http::StreamResetReason reason) {
  // The stream is over (the connection closed, or the codec gave up on it).
  handle_.release();
  if (response_complete_) return;
  reportLocalOrigin(host_->host(), worker_index_, cluster_, LocalOriginResult::kReset);
  finish(/*reset=*/false);
  parent_.onUpstreamReset(*this, reason);
}

void UpstreamRequest::onAboveWriteBufferHighWatermark() {
  parent_.onUpstreamAboveWriteBufferHighWatermark();
}

void UpstreamRequest::onBelowWriteBufferLowWatermark() {
  parent_.onUpstreamBelowWriteBufferLowWatermark();
}

void UpstreamRequest::finish(bool reset) {
  finished_ = true;
  per_try_timer_.reset();
  per_try_idle_timer_.reset();
  if (handle_.pending()) handle_.cancel();
  if (PoolStream* stream = handle_.stream(); stream != nullptr) {
    stream->encoder().stream().removeCallbacks(*this);
    if (read_disabled_) {
      read_disabled_ = false;
      stream->encoder().stream().readDisable(false);
    }
    if (reset) {
      handle_.cancel();
    } else {
      handle_.release();
    }
  }
  if (counted_) {
    counted_ = false;
    cluster_.stats->upstream_rq_active.dec();
    cluster_.resources->at(priority_).requests.dec();
    if (host_->active_requests > 0) --host_->active_requests;
  }
}

}  // namespace meshproxy::upstream
