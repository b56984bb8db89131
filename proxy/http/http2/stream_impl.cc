#include <algorithm>
#include <utility>

#include "proxy/core/log.h"
#include "proxy/http/http2/connection_impl.h"

// StreamImpl: one HTTP/2 stream's send buffer, held receive data and reset mapping. The
// connection side (nghttp2 callbacks, sending) is in connection_impl.cc.
namespace meshproxy::http::http2 {

StreamImpl::StreamImpl(ConnectionImpl& parent) : parent_(parent) {}

StreamImpl::~StreamImpl() = default;

void StreamImpl::addCallbacks(StreamCallbacks& callbacks) {
  callbacks_.push_back(&callbacks);
  // A subscriber joining while the connection or this stream is above its watermark learns
  // it now, so its above/below calls stay balanced.
  for (uint32_t i = 0; i < parent_.above_write_watermark_; ++i) {
    callbacks.onAboveWriteBufferHighWatermark();
  }
  if (above_send_watermark_) callbacks.onAboveWriteBufferHighWatermark();
}

uint32_t StreamImpl::bufferLimit() const { return parent_.settings_.initial_stream_window_size; }

void StreamImpl::removeCallbacks(StreamCallbacks& callbacks) {
  auto it = std::find(callbacks_.begin(), callbacks_.end(), &callbacks);
  if (it != callbacks_.end()) callbacks_.erase(it);
}

void StreamImpl::runResetCallbacks(StreamResetReason reason) {
  if (reset_notified_) return;
  reset_notified_ = true;
  // A subscriber may unsubscribe itself (or others) from inside the callback.
  const absl::InlinedVector<StreamCallbacks*, 2> callbacks = callbacks_;
  callbacks_.clear();
  for (StreamCallbacks* callbacks : callbacks) callbacks->onResetStream(reason);
}

namespace {

uint32_t errorCodeFor(StreamResetReason reason) {
  switch (reason) {
    case StreamResetReason::kLocalRefusedStreamReset:
    case StreamResetReason::kRemoteRefusedStreamReset:
      return NGHTTP2_REFUSED_STREAM;
    case StreamResetReason::kConnectError:
      return NGHTTP2_CONNECT_ERROR;
    case StreamResetReason::kProtocolError:
      return NGHTTP2_PROTOCOL_ERROR;
    case StreamResetReason::kOverflow:
      return NGHTTP2_ENHANCE_YOUR_CALM;
    // The stream is no longer wanted (a client went away, a timeout): gRPC reads CANCEL as
    // CANCELLED.
    default:
      return NGHTTP2_CANCEL;
  }
}

StreamResetReason reasonFor(uint32_t error_code) {
  switch (error_code) {
    case NGHTTP2_REFUSED_STREAM:
      return StreamResetReason::kRemoteRefusedStreamReset;
    case NGHTTP2_CONNECT_ERROR:
      return StreamResetReason::kConnectError;
    default:
      return StreamResetReason::kRemoteReset;
  }
}

}  // namespace

void StreamImpl::resetStream(StreamResetReason reason) {
  if (reset_notified_) return;
  if (closed_) {
    // nghttp2 is done with it; only data held for a read-disabled decoder kept it here.
    pending_recv_.clear();
    held_trailers_.reset();
    held_end_stream_ = false;
    runResetCallbacks(reason);
    parent_.finishStream(*this);
    return;
  }
  if (stream_id_ > 0) {
    nghttp2_submit_rst_stream(parent_.session_, NGHTTP2_FLAG_NONE, stream_id_,
                              errorCodeFor(reason));
  }
  runResetCallbacks(reason);
  pending_send_.clear();
  pending_recv_.clear();
  if (stream_id_ <= 0) {
    // Never sent: nghttp2 does not know it, so nothing will close it.
    closed_ = true;
    parent_.finishStream(*this);
    return;
  }
  parent_.sendPendingFrames();
}

void StreamImpl::readDisable(bool disable) {
  if (disable) {
    ++read_disable_count_;
    return;
  }
  if (read_disable_count_ == 0) return;
  if (--read_disable_count_ == 0) parent_.scheduleResume(*this);
}

// ---- send side -----------------------------------------------------------------------------

void StreamImpl::encodeHeadersImpl(const NvList& headers, bool end_stream) {
  if (reset_notified_ || closed_ || parent_.closed_) return;
  nghttp2_data_provider provider;
  provider.source.ptr = this;
  provider.read_callback = &StreamImpl::onDataSourceRead;
  local_end_ = end_stream;
  provider_attached_ = !end_stream;
  const int32_t rc = submitHeaders(headers, end_stream ? nullptr : &provider);
  if (rc < 0) {
    log::debug("http2: cannot submit headers: {}", nghttp2_strerror(rc));
    // Out of stream ids, or the session is going away: the request was never sent.
    runResetCallbacks(StreamResetReason::kRemoteRefusedStreamReset);
    if (stream_id_ <= 0) {
      closed_ = true;
      parent_.finishStream(*this);
    }
    return;
  }
  parent_.sendPendingFrames();
}

void StreamImpl::encodeDataImpl(Buffer& data, bool end_stream) {
  if (reset_notified_ || closed_ || local_end_ || !provider_attached_ || parent_.closed_) {
    data.clear();
    return;
  }
  pending_send_.move(data);
  local_end_ = end_stream;
  updateSendWatermark();
  resumeSendData();
  parent_.sendPendingFrames();
}

void StreamImpl::encodeTrailersImpl(const HeaderMap& trailers) {
  if (reset_notified_ || closed_ || local_end_ || !provider_attached_ || parent_.closed_) return;
  if (!trailers.empty()) pending_trailers_ = std::make_unique<HeaderMap>(trailers);
  local_end_ = true;
  resumeSendData();
  parent_.sendPendingFrames();
}

void StreamImpl::resumeSendData() {
  if (!data_deferred_ || stream_id_ <= 0) return;
  data_deferred_ = false;
  nghttp2_session_resume_data(parent_.session_, stream_id_);
}

ssize_t StreamImpl::onDataSourceRead(nghttp2_session* session, int32_t stream_id, uint8_t*,
                                     size_t length, uint32_t* data_flags,
                                     nghttp2_data_source* source, void*) {
  auto* stream = static_cast<StreamImpl*>(source->ptr);
  const size_t available = stream->pending_send_.length();
  if (available == 0 && !stream->local_end_) {
    stream->data_deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
  const size_t n = std::min(length, available);
  if (n == available && stream->local_end_) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (stream->pending_trailers_ != nullptr) {
      // The trailers carry END_STREAM; the last DATA frame does not.
      NvList nv;
      buildTrailers(*stream->pending_trailers_, nv);
      const int rc = nghttp2_submit_trailer(session, stream_id, nv.data(), nv.size());
      stream->pending_trailers_.reset();
      if (rc == 0) *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
  }
  return static_cast<ssize_t>(n);
}

void StreamImpl::onSendData(size_t length) {
  parent_.out_.move(pending_send_, length);
  updateSendWatermark();
}

void StreamImpl::updateSendWatermark() {
  const size_t limit = parent_.settings_.stream_buffer_limit;
  if (limit == 0) return;
  if (!above_send_watermark_ && pending_send_.length() > limit) {
    above_send_watermark_ = true;
    for (StreamCallbacks* cb : callbacks_) cb->onAboveWriteBufferHighWatermark();
  } else if (above_send_watermark_ && pending_send_.length() < limit / 2) {
    above_send_watermark_ = false;
    for (StreamCallbacks* cb : callbacks_) cb->onBelowWriteBufferLowWatermark();
  }
}

// ---- receive side --------------------------------------------------------------------------

void StreamImpl::deliverHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  headers_received_ = true;
  if (end_stream) remote_end_ = true;
  if (decoder_ != nullptr && !reset_notified_)
    decoder_->decodeHeaders(std::move(headers), end_stream);
}

void StreamImpl::onDataChunk(const uint8_t* data, size_t length) {
  // The connection window goes back at once; the stream's only when the decoder takes it.
  nghttp2_session_consume_connection(parent_.session_, length);
  if (reset_notified_) {
    nghttp2_session_consume_stream(parent_.session_, stream_id_, length);
    return;
  }
  pending_recv_.add(data, length);
}

void StreamImpl::onDataFrameComplete(bool end_stream) {
  if (end_stream) held_end_stream_ = true;
  deliverHeld();
}

void StreamImpl::onTrailers(std::unique_ptr<HeaderMap> trailers) {
  held_trailers_ = std::move(trailers);
  deliverHeld();
}

void StreamImpl::deliverHeld() {
  if (read_disable_count_ > 0 || reset_notified_) return;
  const bool end_stream = held_end_stream_;
  const bool has_data = !pending_recv_.empty();
  if (has_data || end_stream) {
    held_end_stream_ = false;
    if (end_stream) remote_end_ = true;
    const size_t length = pending_recv_.length();
    if (length > 0 && !closed_) {
      nghttp2_session_consume_stream(parent_.session_, stream_id_, length);
    }
    if (decoder_ != nullptr) {
      decoder_->decodeData(pending_recv_, end_stream);
    }
    pending_recv_.clear();
    if (reset_notified_ || read_disable_count_ > 0) return;
  }
  if (held_trailers_ != nullptr) {
    remote_end_ = true;
    if (decoder_ != nullptr) decoder_->decodeTrailers(std::move(held_trailers_));
    held_trailers_.reset();
  }
  // A stream nghttp2 closed while its end was held back is finished now.
  if (closed_ && pending_recv_.empty() && held_trailers_ == nullptr && !held_end_stream_) {
    parent_.finishStream(*this);
  }
}

void StreamImpl::onClosed(uint32_t error_code) {
  closed_ = true;
  pending_send_.clear();
  const bool remote_complete = remote_end_ || held_end_stream_ || held_trailers_ != nullptr;
  if (!reset_notified_) {
    // A stream is done when the message this side cares about is complete: the response,
    // sent by a server or received by a client. A RST_STREAM NO_ERROR after that ("response
    // complete, stop sending the request body", RFC 9113 8.1) is no reset.
    const bool complete = parent_.server_ ? local_end_ : remote_complete;
    if (messaging_error_) {
      runResetCallbacks(StreamResetReason::kProtocolError);
    } else if (error_code != NGHTTP2_NO_ERROR || !complete) {
      runResetCallbacks(reasonFor(error_code));
    }
  }
  // A server whose response is complete has no use for request data still held back.
  if (reset_notified_ || parent_.server_) {
    pending_recv_.clear();
    held_trailers_.reset();
    held_end_stream_ = false;
  }
  // Data held for a read-disabled decoder is delivered before the stream goes away.
  if (pending_recv_.empty() && held_trailers_ == nullptr && !held_end_stream_) {
    parent_.finishStream(*this);
  }
}

}  // namespace meshproxy::http::http2
