#include "proxy/http/http2/connection_impl.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"

namespace meshproxy::http::http2 {
namespace {

std::string_view view(const uint8_t* data, size_t length) {
  return {reinterpret_cast<const char*>(data), length};
}

ConnectionImpl* self(void* user_data) { return static_cast<ConnectionImpl*>(user_data); }

}  // namespace

// The nghttp2 callback table, built once per process.
struct ConnectionImpl::Callbacks {
  static nghttp2_session_callbacks* get() {
    static nghttp2_session_callbacks* callbacks = [] {
      nghttp2_session_callbacks* cb;
      nghttp2_session_callbacks_new(&cb);
      nghttp2_session_callbacks_set_send_callback(
          cb, [](nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
            return self(user)->onSend(data, length);
          });
      nghttp2_session_callbacks_set_send_data_callback(
          cb, [](nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd, size_t length,
                 nghttp2_data_source* source,
                 void* user) { return self(user)->onSendData(frame, framehd, length, source); });
      nghttp2_session_callbacks_set_on_begin_headers_callback(
          cb, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
            return self(user)->onBeginHeaders(frame);
          });
      nghttp2_session_callbacks_set_on_header_callback(
          cb, [](nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                 const uint8_t* value, size_t valuelen, uint8_t, void* user) {
            return self(user)->onHeader(frame, view(name, namelen), view(value, valuelen));
          });
      nghttp2_session_callbacks_set_on_begin_frame_callback(
          cb, [](nghttp2_session*, const nghttp2_frame_hd* hd, void* user) {
            return self(user)->onBeginFrame(hd);
          });
      nghttp2_session_callbacks_set_on_frame_recv_callback(
          cb, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
            return self(user)->onFrameReceived(frame);
          });
      nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
          cb, [](nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t length,
                 void* user) { return self(user)->onDataChunk(stream_id, data, length); });
      nghttp2_session_callbacks_set_on_stream_close_callback(
          cb, [](nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user) {
            return self(user)->onStreamClose(stream_id, error_code);
          });
      nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(
          cb, [](nghttp2_session*, const nghttp2_frame* frame, int error_code, void* user) {
            return self(user)->onInvalidFrame(frame, error_code);
          });
      nghttp2_session_callbacks_set_on_frame_send_callback(
          cb, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
            return self(user)->onFrameSent(frame);
          });
      nghttp2_session_callbacks_set_on_invalid_header_callback(
          cb,
          [](nghttp2_session*, const nghttp2_frame* frame, const uint8_t*, size_t, const uint8_t*,
             size_t, uint8_t, void* user) { return self(user)->onInvalidHeader(frame); });
      return cb;
    }();
    return callbacks;
  }
};

// ---- ConnectionImpl ------------------------------------------------------------------------

ConnectionImpl::ConnectionImpl(Output& output, const Http2Settings& settings, bool server)
    : settings_(settings),
      server_(server),
      output_(output),
      constraints_(settings_),
      jitter_(std::random_device{}()) {
  nghttp2_option* options;
  nghttp2_option_new(&options);
  // Stream windows go back as the decoders take data (flow control tied to readDisable).
  nghttp2_option_set_no_auto_window_update(options, 1);
  nghttp2_option_set_max_outbound_ack(options, settings_.max_outbound_control_frames);
  nghttp2_option_set_max_continuations(options, settings_.max_continuation_frames);
  // Large response headers are the peer's limit to enforce, as in Envoy.
  nghttp2_option_set_max_send_header_block_length(options, 0x2000000);
  nghttp2_option_set_max_deflate_dynamic_table_size(options, settings_.hpack_table_size);
  if (server) {
    nghttp2_session_server_new2(&session_, Callbacks::get(), this, options);
  } else {
    nghttp2_session_client_new2(&session_, Callbacks::get(), this, options);
  }
  nghttp2_option_del(options);

  std::vector<nghttp2_settings_entry> iv = {
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, settings_.hpack_table_size},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings_.initial_stream_window_size},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings_.max_headers_kb * 1024},
  };
  if (server) {
    iv.push_back({NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings_.max_concurrent_streams});
    if (settings_.allow_connect) iv.push_back({NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1});
  } else {
    iv.push_back({NGHTTP2_SETTINGS_ENABLE_PUSH, 0});
  }
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv.data(), iv.size());
  if (settings_.initial_connection_window_size > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    nghttp2_session_set_local_window_size(
        session_, NGHTTP2_FLAG_NONE, 0,
        static_cast<int32_t>(settings_.initial_connection_window_size));
  }
  armKeepalive();
}

ConnectionImpl::~ConnectionImpl() {
  // Streams and their subscribers go without callbacks: the owner destroys the codec when the
  // connection is gone and has reset its side already (onConnectionClosed).
  streams_.clear();
  graveyard_.clear();
  nghttp2_session_del(session_);
}

StreamImpl& ConnectionImpl::addStream(std::unique_ptr<StreamImpl> stream) {
  streams_.push_front(std::move(stream));
  streams_.front()->self_ = streams_.begin();
  return *streams_.front();
}

StreamImpl* ConnectionImpl::streamFor(int32_t stream_id) {
  return static_cast<StreamImpl*>(nghttp2_session_get_stream_user_data(session_, stream_id));
}

void ConnectionImpl::finishStream(StreamImpl& stream) {
  if (stream.resume_scheduled_) {
    std::erase(resume_queue_, &stream);
    stream.resume_scheduled_ = false;
  }
  if (stream.stream_id_ > 0 && !closed_) {
    nghttp2_session_set_stream_user_data(session_, stream.stream_id_, nullptr);
  }
  std::unique_ptr<StreamImpl> owned = std::move(*stream.self_);
  streams_.erase(stream.self_);
  if (settings_.loop != nullptr) {
    settings_.loop->deferredDelete(std::move(owned));
  } else {
    graveyard_.push_back(std::move(owned));
  }
}

void ConnectionImpl::releaseClosedStreams() { graveyard_.clear(); }

// ---- input ---------------------------------------------------------------------------------

absl::Status ConnectionImpl::dispatchImpl(Buffer& data) {
  if (closed_ || !error_.ok()) {
    data.clear();
    return error_;
  }
  releaseClosedStreams();
  dispatching_ = true;
  ssize_t rc = 0;
  data.forEachSlice([&](std::string_view slice) {
    if (rc < 0 || !error_.ok()) return;
    rc = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(slice.data()),
                                  slice.size());
  });
  data.clear();
  dispatching_ = false;
  if (rc < 0 && error_.ok()) {
    switch (rc) {
      case NGHTTP2_ERR_FLOODED:
        connectionError(absl::ResourceExhaustedError("http2.outbound_control_frames_flood"),
                        NGHTTP2_ENHANCE_YOUR_CALM);
        break;
      case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
        connectionError(absl::ResourceExhaustedError("http2.too_many_continuation_frames"),
                        NGHTTP2_ENHANCE_YOUR_CALM);
        break;
      case NGHTTP2_ERR_BAD_CLIENT_MAGIC:
        connectionError(absl::InvalidArgumentError("http2.codec_error: invalid connection preface"),
                        NGHTTP2_PROTOCOL_ERROR);
        break;
      case NGHTTP2_ERR_CALLBACK_FAILURE:
        connectionError(absl::InvalidArgumentError(callback_error_.empty() ? "http2.codec_error"
                                                                           : callback_error_),
                        callback_error_code_);
        break;
      default:
        connectionError(absl::InvalidArgumentError(std::string("http2.codec_error: ") +
                                                   nghttp2_strerror(static_cast<int>(rc))),
                        NGHTTP2_PROTOCOL_ERROR);
        break;
    }
  }
  if (!error_.ok()) return error_;
  sendPendingFrames();
  if (library_goaway_code_ != 0 && error_.ok()) {
    connectionError(absl::InvalidArgumentError(absl::StrCat(
                        "http2.codec_error: ", nghttp2_http2_strerror(library_goaway_code_))),
                    library_goaway_code_);
  }
  if (absl::Status flood = checkOutboundFlood(); !flood.ok()) {
    connectionError(std::move(flood), NGHTTP2_ENHANCE_YOUR_CALM);
  }
  return error_;
}

absl::Status ConnectionImpl::checkOutboundFlood() {
  if (nghttp2_session_get_outbound_queue_size(session_) > settings_.max_outbound_frames) {
    return absl::ResourceExhaustedError("http2.outbound_frames_flood");
  }
  return absl::OkStatus();
}

void ConnectionImpl::connectionError(absl::Status status, uint32_t code) {
  if (!error_.ok()) return;
  log::debug("http2: connection error: {}", status.message());
  countError(std::string_view(status.message().data(), status.message().size()));
  error_ = std::move(status);
  // Ignored if nghttp2 already queued its own GOAWAY.
  nghttp2_session_terminate_session(session_, code);
  goaway_sent_ = true;
  sendPendingFrames(/*force=*/true);
  resetAllStreams(StreamResetReason::kConnectionTermination);
  closeConnection(network::CloseType::kFlushWrite);
}

int ConnectionImpl::failCallback(const absl::Status& status, uint32_t code) {
  callback_error_ = std::string(status.message());
  callback_error_code_ = code;
  return NGHTTP2_ERR_CALLBACK_FAILURE;
}

// The flood and abuse counters, by the reason the constraint or nghttp2 gave (error path only).
void ConnectionImpl::countError(std::string_view reason) {
  const Http2CodecStats* stats = settings_.stats;
  if (stats == nullptr) return;
  if (reason == "http2.inbound_priority_frames_flood") {
    stats->inbound_priority_frames_flood.inc();
  } else if (reason == "http2.inbound_window_update_frames_flood") {
    stats->inbound_window_update_frames_flood.inc();
  } else if (reason == "http2.inbound_empty_frames_flood") {
    stats->inbound_empty_frames_flood.inc();
  } else if (reason == "http2.outbound_control_frames_flood") {
    stats->outbound_control_flood.inc();
  } else if (reason == "http2.outbound_frames_flood") {
    stats->outbound_flood.inc();
  } else if (reason == "http2.too_many_continuation_frames") {
    stats->too_many_continuation_frames.inc();
  } else if (reason == "http2.too_many_premature_resets") {
    if (stats->too_many_premature_resets != nullptr) stats->too_many_premature_resets->inc();
  }
}

void ConnectionImpl::onConnectionClosed() {
  if (closed_) return;
  closed_ = true;
  if (keepalive_interval_timer_) keepalive_interval_timer_->disable();
  if (keepalive_timeout_timer_) keepalive_timeout_timer_->disable();
  resetAllStreams(StreamResetReason::kConnectionTermination);
}

void ConnectionImpl::resetAllStreams(StreamResetReason reason) {
  // Each reset may end other work; take the streams out first.
  std::vector<StreamImpl*> open;
  for (auto& stream : streams_) open.push_back(stream.get());
  for (StreamImpl* stream : open) {
    stream->runResetCallbacks(reason);
    stream->closed_ = true;
    finishStream(*stream);
  }
}

void ConnectionImpl::closeConnection(network::CloseType type) {
  if (closed_) return;
  closed_ = true;
  if (keepalive_interval_timer_) keepalive_interval_timer_->disable();
  if (keepalive_timeout_timer_) keepalive_timeout_timer_->disable();
  if (resume_timer_) resume_timer_->disable();
  resetAllStreams(StreamResetReason::kConnectionTermination);
  output_.close(type);
}

int ConnectionImpl::onBeginFrame(const nghttp2_frame_hd* hd) {
  if (absl::Status s = constraints_.onFrameBegin(*hd); !s.ok()) {
    return failCallback(s, NGHTTP2_ENHANCE_YOUR_CALM);
  }
  return 0;
}

int ConnectionImpl::onBeginHeaders(const nghttp2_frame* frame) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  StreamImpl* stream = streamFor(frame->hd.stream_id);
  if (stream == nullptr && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    stream = onNewRemoteStream(frame->hd.stream_id);
    if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    stream->stream_id_ = frame->hd.stream_id;
    stream->opened_at_ = std::chrono::steady_clock::now();
    nghttp2_session_set_stream_user_data(session_, frame->hd.stream_id, stream);
  }
  if (stream == nullptr) return 0;
  if (!stream->headers_received_) constraints_.onStreamOpened();
  stream->headers_ = std::make_unique<HeaderMap>();
  stream->headers_->reserve(16);
  return 0;
}

int ConnectionImpl::onHeader(const nghttp2_frame* frame, std::string_view name,
                             std::string_view value) {
  StreamImpl* stream = streamFor(frame->hd.stream_id);
  if (stream == nullptr || stream->headers_ == nullptr) return 0;
  HeaderMap& headers = *stream->headers_;
  if (headers.size() >= settings_.max_headers_count ||
      headers.byteSize() + name.size() + value.size() > settings_.max_headers_kb * 1024) {
    // Envoy's answer: reset this stream, keep the connection.
    log::debug("http2: header block over the limits on stream {}", frame->hd.stream_id);
    if (settings_.stats != nullptr) settings_.stats->header_overflow.inc();
    stream->headers_.reset();
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  if (server_ &&
      settings_.headers_with_underscores_action != HeadersWithUnderscoresAction::kAllow &&
      name.find('_') != std::string_view::npos) [[unlikely]] {
    // Envoy's checkHeaderNameForUnderscores, as the HTTP/1 codec applies it.
    if (settings_.headers_with_underscores_action ==
        HeadersWithUnderscoresAction::kRejectRequest) {
      if (settings_.stats != nullptr)
        settings_.stats->requests_rejected_with_underscores_in_headers.inc();
      stream->headers_.reset();
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // RST_STREAM, the connection goes on
    }
    if (settings_.stats != nullptr) settings_.stats->dropped_headers_with_underscores.inc();
    return 0;
  }
  headers.addLowercase(std::string(name), std::string(value));
  return 0;
}

int ConnectionImpl::onInvalidHeader(const nghttp2_frame* frame) {
  if (settings_.stats != nullptr) settings_.stats->rx_messaging_error.inc();
  // nghttp2 would drop the field silently; Envoy treats it as an invalid message.
  if (!settings_.override_stream_error_on_invalid_http_message) {
    callback_error_ = "http2.invalid_http_message";
    callback_error_code_ = NGHTTP2_PROTOCOL_ERROR;
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  if (StreamImpl* stream = streamFor(frame->hd.stream_id); stream != nullptr) {
    stream->messaging_error_ = true;
  }
  // nghttp2 resets the stream with PROTOCOL_ERROR and reports the frame as invalid.
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

int ConnectionImpl::onInvalidFrame(const nghttp2_frame* frame, int error_code) {
  if (error_code != NGHTTP2_ERR_HTTP_HEADER && error_code != NGHTTP2_ERR_HTTP_MESSAGING) {
    return 0;  // nghttp2 handles the protocol error itself (RST_STREAM or GOAWAY)
  }
  if (settings_.stats != nullptr) settings_.stats->rx_messaging_error.inc();
  if (!settings_.override_stream_error_on_invalid_http_message) {
    callback_error_ = "http2.invalid_http_message";
    callback_error_code_ = NGHTTP2_PROTOCOL_ERROR;
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  // Only this stream: nghttp2 resets it with PROTOCOL_ERROR.
  if (StreamImpl* stream = streamFor(frame->hd.stream_id); stream != nullptr) {
    stream->messaging_error_ = true;
    stream->headers_.reset();
  }
  return 0;
}

int ConnectionImpl::onFrameSent(const nghttp2_frame* frame) {
  // Our own GOAWAYs carry NO_ERROR, or follow connectionError(): any other is nghttp2 ending
  // the session on its own (a protocol violation it caught, its reset rate limit).
  if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR &&
      error_.ok()) {
    library_goaway_code_ = frame->goaway.error_code;
  }
  // A server's response ended before the request: ask the client to stop sending, without
  // error (RFC 9113 8.1), as Envoy's connection manager does for HTTP/2. The HTTP/1 codec's
  // counterpart is closing the connection after the response.
  if (server_ && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 &&
      (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      nghttp2_session_get_stream_remote_close(session_, frame->hd.stream_id) == 0) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
  }
  // A RST_STREAM nghttp2 sent on its own (we did not reset the stream) answers a stream
  // error of the peer: a malformed message, DATA beyond content-length, a closed stream.
  if (settings_.stats != nullptr) {
    if (frame->hd.type == NGHTTP2_GOAWAY) settings_.stats->goaway_sent.inc();
    if (frame->hd.type == NGHTTP2_RST_STREAM && frame->rst_stream.error_code != NGHTTP2_NO_ERROR) {
      settings_.stats->tx_reset.inc();
    }
  }
  if (frame->hd.type == NGHTTP2_RST_STREAM) {
    if (StreamImpl* stream = streamFor(frame->hd.stream_id);
        stream != nullptr && !stream->reset_notified_ &&
        frame->rst_stream.error_code != NGHTTP2_NO_ERROR) {
      stream->messaging_error_ = true;
    }
  }
  return 0;
}

int ConnectionImpl::onFrameReceived(const nghttp2_frame* frame) {
  size_t padding = 0;
  if (frame->hd.type == NGHTTP2_DATA) padding = frame->data.padlen;
  if (frame->hd.type == NGHTTP2_HEADERS) padding = frame->headers.padlen;
  if (absl::Status s = constraints_.onFrameReceived(frame->hd, padding); !s.ok()) {
    return failCallback(s, NGHTTP2_ENHANCE_YOUR_CALM);
  }
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS: {
      StreamImpl* stream = streamFor(frame->hd.stream_id);
      if (stream == nullptr || stream->headers_ == nullptr) return 0;
      std::unique_ptr<HeaderMap> headers = std::move(stream->headers_);
      if (stream->headers_received_) {
        stream->onTrailers(std::move(headers));
      } else {
        stream->onHeadersComplete(std::move(headers), end_stream);
      }
      return 0;
    }
    case NGHTTP2_DATA: {
      if (StreamImpl* stream = streamFor(frame->hd.stream_id); stream != nullptr) {
        stream->onDataFrameComplete(end_stream);
      }
      return 0;
    }
    case NGHTTP2_RST_STREAM:
      if (settings_.stats != nullptr) settings_.stats->rx_reset.inc();
      if (StreamImpl* stream = streamFor(frame->hd.stream_id); stream != nullptr) {
        stream->remote_reset_ = true;
      }
      return 0;
    case NGHTTP2_GOAWAY:
      goaway_received_ = true;
      onGoAwayReceived(frame->goaway.error_code);
      return 0;
    case NGHTTP2_SETTINGS:
      if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
        for (size_t i = 0; i < frame->settings.niv; ++i) {
          if (frame->settings.iv[i].settings_id == NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) {
            peer_allows_extended_connect_ = frame->settings.iv[i].value == 1;
          }
        }
        onSettingsReceived(frame->settings);
      }
      return 0;
    case NGHTTP2_PING:
      if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0 && keepalive_timeout_timer_ != nullptr &&
          keepalive_ping_outstanding_) {
        // Alive: the next PING one interval from now (Envoy's schedule).
        keepalive_ping_outstanding_ = false;
        keepalive_timeout_timer_->disable();
        armKeepalive();
      }
      return 0;
    default:
      return 0;
  }
}

int ConnectionImpl::onDataChunk(int32_t stream_id, const uint8_t* data, size_t length) {
  StreamImpl* stream = streamFor(stream_id);
  if (stream == nullptr) {
    // A stream we already let go of: give the window back.
    nghttp2_session_consume(session_, stream_id, length);
    return 0;
  }
  stream->onDataChunk(data, length);
  return 0;
}

int ConnectionImpl::onStreamClose(int32_t stream_id, uint32_t error_code) {
  StreamImpl* stream = streamFor(stream_id);
  if (stream == nullptr) return 0;
  nghttp2_session_set_stream_user_data(session_, stream_id, nullptr);
  // Rapid reset: only a peer's RST_STREAM (received, so inside dispatch) makes a premature
  // close, so the error below always fails nghttp2_session_mem_recv.
  const bool premature = server_ && stream->remote_reset_ &&
                         std::chrono::steady_clock::now() - stream->opened_at_ <
                             settings_.premature_reset_min_stream_lifetime;
  stream->onClosed(error_code);
  if (server_) {
    if (absl::Status s = constraints_.onRemoteStreamClosed(premature); !s.ok() && premature) {
      return failCallback(s, NGHTTP2_ENHANCE_YOUR_CALM);
    }
  }
  return 0;
}

// ---- output --------------------------------------------------------------------------------

ssize_t ConnectionImpl::onSend(const uint8_t* data, size_t length) {
  out_.add(data, length);
  return static_cast<ssize_t>(length);
}

int ConnectionImpl::onSendData(const nghttp2_frame* frame, const uint8_t* framehd, size_t length,
                               nghttp2_data_source* source) {
  auto* stream = static_cast<StreamImpl*>(source->ptr);
  out_.add(framehd, 9);
  stream->onSendData(length);
  constraints_.onDataFrameSent();
  return 0;
}

void ConnectionImpl::sendPendingFrames(bool force) {
  if (dispatching_ || sending_ || closed_) return;
  if (above_write_watermark_ > 0 && !force) return;
  sending_ = true;
  const int rc = nghttp2_session_send(session_);
  sending_ = false;
  if (!out_.empty()) output_.write(out_);
  if (rc != 0) {
    connectionError(absl::InternalError(std::string("http2.codec_error: ") + nghttp2_strerror(rc)),
                    NGHTTP2_INTERNAL_ERROR);
    return;
  }
  // GOAWAY exchanged (or a connection error) and no stream left: the session is over.
  if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
    closeConnection(network::CloseType::kFlushWrite);
  }
}

void ConnectionImpl::onAboveWriteBufferHighWatermark() {
  ++above_write_watermark_;
  std::vector<StreamImpl*> open;
  for (auto& stream : streams_) open.push_back(stream.get());
  for (StreamImpl* stream : open) {
    for (StreamCallbacks* cb : stream->callbacks_) cb->onAboveWriteBufferHighWatermark();
  }
}

void ConnectionImpl::onBelowWriteBufferLowWatermark() {
  if (above_write_watermark_ == 0) return;
  --above_write_watermark_;
  std::vector<StreamImpl*> open;
  for (auto& stream : streams_) open.push_back(stream.get());
  for (StreamImpl* stream : open) {
    for (StreamCallbacks* cb : stream->callbacks_) cb->onBelowWriteBufferLowWatermark();
  }
  sendPendingFrames();
}

void ConnectionImpl::submitGoAway() {
  if (closed_ || goaway_sent_) return;
  goaway_sent_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  sendPendingFrames(/*force=*/true);
}

void ConnectionImpl::submitShutdownNotice() {
  if (closed_ || goaway_sent_ || !server_) return;
  nghttp2_submit_shutdown_notice(session_);
  sendPendingFrames(/*force=*/true);
}

// ---- deferred delivery ---------------------------------------------------------------------

void ConnectionImpl::scheduleResume(StreamImpl& stream) {
  if (settings_.loop == nullptr) {
    stream.deliverHeld();
    sendPendingFrames();
    return;
  }
  if (stream.resume_scheduled_) return;
  stream.resume_scheduled_ = true;
  resume_queue_.push_back(&stream);
  if (resume_timer_ == nullptr) {
    resume_timer_ = std::make_unique<Timer>(settings_.loop->uv(), [this] { runResumes(); });
  }
  resume_timer_->enable(std::chrono::milliseconds(0));
}

void ConnectionImpl::runResumes() {
  std::vector<StreamImpl*> queue = std::move(resume_queue_);
  resume_queue_.clear();
  for (StreamImpl* stream : queue) stream->resume_scheduled_ = false;
  for (StreamImpl* stream : queue) {
    // Delivery may finish or reset later streams of the queue: check they are still ours.
    bool alive = false;
    for (auto& s : streams_) alive = alive || s.get() == stream;
    if (alive) stream->deliverHeld();
    if (closed_) return;
  }
  sendPendingFrames();
}

// ---- keepalive -----------------------------------------------------------------------------

void ConnectionImpl::armKeepalive() {
  if (settings_.loop == nullptr || settings_.keepalive_interval.count() <= 0 ||
      settings_.keepalive_timeout.count() <= 0) {
    return;
  }
  if (keepalive_interval_timer_ == nullptr) {
    keepalive_interval_timer_ =
        std::make_unique<Timer>(settings_.loop->uv(), [this] { onKeepaliveInterval(); });
    keepalive_timeout_timer_ =
        std::make_unique<Timer>(settings_.loop->uv(), [this] { onKeepaliveTimeout(); });
  }
  std::chrono::milliseconds delay = settings_.keepalive_interval;
  const uint64_t jitter_max =
      static_cast<uint64_t>(delay.count()) * settings_.keepalive_interval_jitter_percent / 100;
  if (jitter_max > 0) delay += std::chrono::milliseconds(jitter_() % (jitter_max + 1));
  keepalive_interval_timer_->enable(delay);
}

void ConnectionImpl::onKeepaliveInterval() {
  if (closed_) return;
  nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
  keepalive_ping_outstanding_ = true;
  keepalive_timeout_timer_->enable(settings_.keepalive_timeout);
  sendPendingFrames();
}

void ConnectionImpl::onKeepaliveTimeout() {
  if (closed_) return;
  log::debug("http2: keepalive PING not acknowledged in time, closing");
  if (settings_.stats != nullptr) settings_.stats->keepalive_timeout.inc();
  error_ = absl::DeadlineExceededError("http2.keepalive_timeout");
  closeConnection(network::CloseType::kNoFlush);
}

}  // namespace meshproxy::http::http2
