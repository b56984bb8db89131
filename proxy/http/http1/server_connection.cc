#include "proxy/http/http1/server_connection.h"

#include <fmt/format.h>

#include <chrono>
#include <utility>

#include "proxy/core/event_loop.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/http/http1/message_writer.h"

namespace meshproxy::http::http1 {
namespace {

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ServerConnectionImpl::ServerConnectionImpl(network::Connection& connection,
                                           ServerConnectionCallbacks& callbacks,
                                           Http1Settings settings)
    : owned_output_(std::make_unique<ConnectionOutput>(connection)),
      output_(*owned_output_),
      callbacks_(callbacks),
      settings_(settings),
      parser_(MessageParser::Type::kRequest, *this,
              static_cast<size_t>(settings.max_request_headers_kb) * 1024,
              settings.max_headers_count) {
  parser_.setHeadersWithUnderscores(settings.headers_with_underscores_action, settings.codec_stats);
}

ServerConnectionImpl::ServerConnectionImpl(Output& output, ServerConnectionCallbacks& callbacks,
                                           Http1Settings settings)
    : output_(output),
      callbacks_(callbacks),
      settings_(settings),
      parser_(MessageParser::Type::kRequest, *this,
              static_cast<size_t>(settings.max_request_headers_kb) * 1024,
              settings.max_headers_count) {
  parser_.setHeadersWithUnderscores(settings.headers_with_underscores_action, settings.codec_stats);
}

ServerConnectionImpl::~ServerConnectionImpl() = default;

// ---- input ---------------------------------------------------------------------------------

absl::Status ServerConnectionImpl::dispatch(Buffer& data) {
  if (!error_.ok() || closed_) {
    data.clear();
    return error_;
  }
  // Parse from pending_ so unparsed bytes stay in order whatever stops the parser. Moving
  // hands over slices; it copies nothing but small tails.
  pending_.move(data);
  processInput(pending_);
  if (!error_.ok()) {
    answerError();
    return error_;
  }
  updateInputBackpressure();
  return absl::OkStatus();
}

void ServerConnectionImpl::processInput(Buffer& in) {
  if (in_parse_) return;  // the loop further up the stack picks the new state up
  in_parse_ = true;
  while (!in.empty() && error_.ok() && !closed_) {
    if (raw_input_) {
      if (stream_read_disabled_ > 0) break;
      if (decoder_ != nullptr) decoder_->decodeData(in, false);
      in.clear();
      break;
    }
    // One request at a time: the next one waits until this response is written.
    if (stream_active_ && request_complete_) break;
    if (stream_read_disabled_ > 0) break;
    const MessageParser::Status status = parser_.parse(in);
    if (status == MessageParser::Status::kError) {
      error_ = parser_.error();
      break;
    }
    if (status != MessageParser::Status::kMessageComplete) break;
  }
  in_parse_ = false;
  // Cleared only now: llhttp may still have been reading these bytes when the connection
  // closed from inside a callback.
  if (closed_) pending_.clear();
}

bool ServerConnectionImpl::parsingPaused() const { return closed_ || stream_read_disabled_ > 0; }

// The stream opens with the request's first byte, as in Envoy: its request headers timeout
// and idle timers cover a head that arrives slowly.
void ServerConnectionImpl::onMessageBegin() {
  if (!stream_active_) startStream();
}

MessageParserCallbacks::HeadAction ServerConnectionImpl::onMessageHead(
    std::unique_ptr<HeaderMap> headers, const MessageHead& head) {
  protocol_ = head.minor_version == 0 ? Protocol::kHttp10 : Protocol::kHttp11;
  if (!head.keep_alive) close_after_response_ = true;
  if (!checkRequestHead(*headers)) return HeadAction::kContinue;
  if (!stream_active_) startStream();
  head_request_ = head.method == HTTP_HEAD;
  upgrade_request_ = head.upgrade;
  if (head.upgrade && head.method != HTTP_CONNECT) {
    // The router forwards the upgrade; :protocol names it (as in HTTP/2 extended CONNECT).
    if (auto upgrade = headers->get("upgrade"); upgrade.has_value()) {
      headers->addLowercase(std::string(headers::kProtocol), std::string(trimOws(*upgrade)));
    }
  }
  const bool end_stream = !head.body_expected && !head.upgrade;
  request_complete_ = end_stream;
  if (decoder_ != nullptr) decoder_->decodeHeaders(std::move(headers), end_stream);
  return HeadAction::kContinue;
}

bool ServerConnectionImpl::checkRequestHead(const HeaderMap& headers) {
  // Requests framed correctly that no server may act on: answered 400 with the connection
  // closed, as Envoy does.
  const std::string_view path = headers.path();
  if (path.empty() || (path[0] != '/' && !(headers.method() == "OPTIONS" && path == "*"))) {
    failRequest("http1.invalid_path", "Bad Request");
    return false;
  }
  if (protocol_ == Protocol::kHttp11 && headers.authority().empty()) {
    failRequest("missing_host_header", "missing host header");
    return false;
  }
  return true;
}

void ServerConnectionImpl::failRequest(std::string_view details, std::string_view body) {
  error_body_ = body;
  parser_.fail(absl::InvalidArgumentError(toAbsl(details)));
}

void ServerConnectionImpl::onMessageData(Buffer& data, bool end_stream) {
  if (end_stream) request_complete_ = true;
  if (decoder_ == nullptr) {
    // The exchange already ended (the response finished first); the connection is closing.
    data.clear();
    return;
  }
  decoder_->decodeData(data, end_stream);
}

void ServerConnectionImpl::onMessageTrailers(std::unique_ptr<HeaderMap> trailers) {
  request_complete_ = true;
  if (decoder_ != nullptr) decoder_->decodeTrailers(std::move(trailers));
}

void ServerConnectionImpl::onMessageComplete() {
  // After an upgrade request, the rest of the connection belongs to the upgraded protocol.
  if (stream_active_ && upgrade_request_) raw_input_ = true;
}

void ServerConnectionImpl::startStream() {
  stream_active_ = true;
  stream_callbacks_.reset();
  request_complete_ = false;
  response_started_ = false;
  head_request_ = false;
  upgrade_request_ = false;
  raw_input_ = false;
  response_framing_ = BodyFraming::kNone;
  decoder_ = &callbacks_.newStream(encoder_);
}

void ServerConnectionImpl::finishStream() {
  if (!stream_active_) return;
  stream_active_ = false;
  decoder_ = nullptr;
  raw_input_ = false;
  // A stream that ends while read-disabled must not leave the connection paused.
  while (stream_read_disabled_ > 0) {
    --stream_read_disabled_;
    if (!closed_) output_.readDisable(false);
  }
}

void ServerConnectionImpl::scheduleResume() {
  if (in_parse_ || pending_.empty() || closed_ || !error_.ok()) return;
  if (settings_.loop == nullptr) {
    resumeParsing();
    return;
  }
  armTimer();
}

void ServerConnectionImpl::armTimer() {
  if (timer_ == nullptr)
    timer_ = std::make_unique<Timer>(settings_.loop->uv(), [this] { onTimer(); });
  timer_->enable(std::chrono::milliseconds(0));
}

void ServerConnectionImpl::onTimer() {
  if (close_pending_) {
    close_pending_ = false;
    output_.close(network::CloseType::kFlushWrite);
    return;
  }
  resumeParsing();
}

void ServerConnectionImpl::resumeParsing() {
  if (closed_ || !error_.ok()) return;
  processInput(pending_);
  if (!error_.ok()) {
    log::debug("http1: error in a pipelined request: {}", error_.message());
    answerError();
    return;
  }
  updateInputBackpressure();
}

// Malformed input is answered on the stream being parsed (opened for it if the error came
// before one existed) while its response has not started; after that there is nothing
// well-formed left to say, and the connection ends after the response.
void ServerConnectionImpl::answerError() {
  close_after_response_ = true;
  pending_.clear();
  if (closed_) return;
  if (!stream_active_) startStream();
  if (response_started_ || decoder_ == nullptr) return;
  const uint32_t status = httpStatusForCodecError(error_);
  std::string_view body = error_body_;
  if (body.empty()) body = status == 431 ? "Request Header Fields Too Large" : "Bad Request";
  decoder_->sendLocalReply(status, body, toStd(error_.message()));
}

void ServerConnectionImpl::goAway() {
  close_after_response_ = true;
  // Between requests: nothing more will be answered (a pipelined request waiting in pending_
  // is dropped, as a GOAWAY drops streams above its last id).
  if (!stream_active_ && !in_parse_) closeConnection(network::CloseType::kFlushWrite);
}

void ServerConnectionImpl::closeConnection(network::CloseType type) {
  if (closed_) return;
  closed_ = true;
  close_after_response_ = true;
  if (!in_parse_) pending_.clear();
  if (type == network::CloseType::kFlushWrite && settings_.loop != nullptr) {
    // network::Connection::close may report kLocalClose to the caller synchronously; from
    // a timer the caller is never re-entered from inside its own encode call. Nothing is
    // parsed or written meanwhile (closed_), and kFlushWrite sends what is queued anyway.
    close_pending_ = true;
    armTimer();
    return;
  }
  if (timer_ != nullptr) timer_->disable();
  close_pending_ = false;
  output_.close(type);
}

void ServerConnectionImpl::updateInputBackpressure() {
  if (closed_) return;
  const bool over = pending_.length() > settings_.max_buffered_input_bytes;
  if (over && !input_read_disabled_) {
    input_read_disabled_ = true;
    output_.readDisable(true);
  } else if (!over && input_read_disabled_) {
    input_read_disabled_ = false;
    output_.readDisable(false);
  }
}

// ---- output --------------------------------------------------------------------------------

void ServerConnectionImpl::encodeHeaders(const HeaderMap& headers, bool end_stream) {
  if (!stream_active_ || response_started_ || closed_) return;
  response_started_ = true;
  uint32_t status = headers.status();
  if (status < 100) status = 500;
  const FramingFields fields = inspectFraming(headers);
  const bool upgrade_accepted = upgrade_request_ && status == 101;
  // Bytes of an unfinished request (or of a refused upgrade) cannot be told apart from the
  // next request: the connection ends with this response.
  if (!upgrade_accepted && (!request_complete_ || upgrade_request_)) close_after_response_ = true;
  if (fields.connection_close) close_after_response_ = true;

  Buffer out;
  appendStatusLine(out, status);
  if (upgrade_accepted) {
    response_framing_ = BodyFraming::kRaw;
    close_after_response_ = true;
    appendFields(out, headers, 0);
    if (!fields.connection_upgrade) appendField(out, "connection", "upgrade");
  } else {
    appendFields(out, headers, kSkipConnection);
    const bool no_body = head_request_ || status < 200 || status == 204 || status == 304;
    if (no_body) {
      response_framing_ = BodyFraming::kNone;
      // HEAD and 304 may describe the representation they do not carry; 1xx and 204 may not.
      if (fields.content_length_valid && (head_request_ || status == 304)) {
        appendField(out, "content-length", fmt::format_int(fields.content_length).c_str());
      }
    } else if (fields.content_length_valid) {
      response_framing_ =
          fields.content_length == 0 ? BodyFraming::kNone : BodyFraming::kContentLength;
      appendField(out, "content-length", fmt::format_int(fields.content_length).c_str());
    } else if (end_stream) {
      response_framing_ = BodyFraming::kNone;
      appendField(out, "content-length", "0");
    } else if (protocol_ == Protocol::kHttp11) {
      response_framing_ = BodyFraming::kChunked;
      appendField(out, "transfer-encoding", "chunked");
    } else {
      // An HTTP/1.0 client knows no chunked coding: the body ends with the connection.
      response_framing_ = BodyFraming::kCloseDelimited;
      close_after_response_ = true;
    }
    if (close_after_response_) {
      appendField(out, "connection", "close");
    } else if (protocol_ == Protocol::kHttp10) {
      appendField(out, "connection", "keep-alive");
    }
  }
  out.add(kCrlf);
  output_.write(out);
  if (end_stream) onResponseComplete();
}

void ServerConnectionImpl::encodeData(Buffer& data, bool end_stream) {
  if (!stream_active_ || !response_started_ || closed_) {
    data.clear();
    return;
  }
  writeBody(output_, response_framing_, data, end_stream);
  if (end_stream) onResponseComplete();
}

void ServerConnectionImpl::encodeTrailers(const HeaderMap& trailers) {
  if (!stream_active_ || !response_started_ || closed_) return;
  if (response_framing_ == BodyFraming::kChunked) {
    Buffer out;
    out.add(kLastChunk);
    appendFields(out, trailers, 0);
    out.add(kCrlf);
    output_.write(out);
  }
  // Other framings have nowhere to put trailers; they only end the message.
  onResponseComplete();
}

void ServerConnectionImpl::encode1xxHeaders(const HeaderMap& headers) {
  if (!stream_active_ || response_started_ || closed_) return;
  // HTTP/1.0 has no interim responses (RFC 9110 15.2).
  if (protocol_ == Protocol::kHttp10) return;
  const uint32_t status = headers.status();
  if (status < 100 || status > 199 || status == 101) return;
  Buffer out;
  appendStatusLine(out, status);
  appendFields(out, headers, kSkipConnection);
  out.add(kCrlf);
  output_.write(out);
}

void ServerConnectionImpl::onResponseComplete() {
  const bool close = close_after_response_ || !request_complete_;
  finishStream();
  if (close) {
    closeConnection(network::CloseType::kFlushWrite);
    return;
  }
  scheduleResume();
}

// ---- stream controls -----------------------------------------------------------------------

void ServerConnectionImpl::addStreamCallbacks(StreamCallbacks& callbacks) {
  if (!stream_active_) return;
  stream_callbacks_.add(callbacks);
  if (above_write_high_watermark_) callbacks.onAboveWriteBufferHighWatermark();
}

void ServerConnectionImpl::resetStream(StreamResetReason reason) {
  if (!stream_active_) return;
  // A close-delimited body cut short must not look complete: abort with RST.
  const bool abort = response_started_ && response_framing_ == BodyFraming::kCloseDelimited;
  finishStream();
  // The subscribers stay until the next stream starts; they hear the reset once.
  stream_callbacks_.runResetCallbacks(reason);
  closeConnection(abort ? network::CloseType::kAbortReset : network::CloseType::kNoFlush);
}

void ServerConnectionImpl::readDisableStream(bool disable) {
  if (!stream_active_ || closed_) return;
  if (disable) {
    ++stream_read_disabled_;
    output_.readDisable(true);
    return;
  }
  if (stream_read_disabled_ == 0) return;
  --stream_read_disabled_;
  output_.readDisable(false);
  // Body bytes held back while disabled go out now.
  if (stream_read_disabled_ == 0) scheduleResume();
}

void ServerConnectionImpl::onUnderlyingConnectionAboveWriteBufferHighWatermark() {
  above_write_high_watermark_ = true;
  if (stream_active_) stream_callbacks_.runHighWatermarkCallbacks();
}

void ServerConnectionImpl::onUnderlyingConnectionBelowWriteBufferLowWatermark() {
  above_write_high_watermark_ = false;
  if (stream_active_) stream_callbacks_.runLowWatermarkCallbacks();
}

// ---- ResponseEncoderImpl -------------------------------------------------------------------

void ServerConnectionImpl::ResponseEncoderImpl::encodeHeaders(const HeaderMap& headers,
                                                              bool end_stream) {
  parent_.encodeHeaders(headers, end_stream);
}
void ServerConnectionImpl::ResponseEncoderImpl::encodeData(Buffer& data, bool end_stream) {
  parent_.encodeData(data, end_stream);
}
void ServerConnectionImpl::ResponseEncoderImpl::encodeTrailers(const HeaderMap& trailers) {
  parent_.encodeTrailers(trailers);
}
void ServerConnectionImpl::ResponseEncoderImpl::encode1xxHeaders(const HeaderMap& headers) {
  parent_.encode1xxHeaders(headers);
}
void ServerConnectionImpl::ResponseEncoderImpl::addCallbacks(StreamCallbacks& callbacks) {
  parent_.addStreamCallbacks(callbacks);
}
void ServerConnectionImpl::ResponseEncoderImpl::removeCallbacks(StreamCallbacks& callbacks) {
  parent_.stream_callbacks_.remove(callbacks);
}
void ServerConnectionImpl::ResponseEncoderImpl::resetStream(StreamResetReason reason) {
  parent_.resetStream(reason);
}
void ServerConnectionImpl::ResponseEncoderImpl::readDisable(bool disable) {
  parent_.readDisableStream(disable);
}

}  // namespace meshproxy::http::http1
