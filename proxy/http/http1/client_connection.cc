#include "proxy/http/http1/client_connection.h"

#include <fmt/format.h>

#include <utility>

#include "proxy/core/log.h"
#include "proxy/core/strings.h"

namespace meshproxy::http::http1 {
namespace {

// Methods whose requests carry a body by meaning: an empty one is announced with
// Content-Length: 0, since some servers answer 411 otherwise.
bool expectsBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

ClientConnectionImpl::ClientConnectionImpl(network::Connection& connection, Http1Settings settings)
    : owned_output_(std::make_unique<ConnectionOutput>(connection)),
      output_(*owned_output_),
      settings_(settings),
      parser_(MessageParser::Type::kResponse, *this,
              static_cast<size_t>(settings.max_response_headers_kb) * 1024,
              settings.max_headers_count) {}

ClientConnectionImpl::ClientConnectionImpl(Output& output, Http1Settings settings)
    : output_(output),
      settings_(settings),
      parser_(MessageParser::Type::kResponse, *this,
              static_cast<size_t>(settings.max_response_headers_kb) * 1024,
              settings.max_headers_count) {}

ClientConnectionImpl::~ClientConnectionImpl() = default;

RequestEncoder& ClientConnectionImpl::newStream(ResponseDecoder& decoder) {
  if (stream_active_) {
    // HTTP/1 carries one exchange at a time; the pool must wait for idle().
    log::error("http1 client codec: newStream while a stream is active");
    reusable_ = false;
  }
  stream_active_ = true;
  decoder_ = &decoder;
  stream_callbacks_.reset();
  request_framing_ = BodyFraming::kNone;
  request_started_ = false;
  request_complete_ = false;
  head_request_ = false;
  upgrade_request_ = false;
  informational_ = false;
  upgraded_ = false;
  raw_input_ = false;
  return encoder_;
}

bool ClientConnectionImpl::reusable() const {
  return reusable_ && error_.ok() && !closed_ && !upgraded_;
}

// ---- input ---------------------------------------------------------------------------------

absl::Status ClientConnectionImpl::dispatch(Buffer& data) {
  if (!error_.ok() || closed_) {
    data.clear();
    return error_;
  }
  pending_.move(data);
  processInput(pending_);
  return error_;
}

void ClientConnectionImpl::processInput(Buffer& in) {
  if (in_parse_) return;
  in_parse_ = true;
  while (!in.empty() && error_.ok() && !closed_) {
    if (raw_input_) {
      if (stream_read_disabled_ > 0) break;
      if (decoder_ != nullptr) decoder_->decodeData(in, false);
      in.clear();
      break;
    }
    if (!stream_active_ || !request_started_) {
      protocolError(absl::InvalidArgumentError(
          "http1.codec_error: response data with no request outstanding"));
      break;
    }
    if (stream_read_disabled_ > 0) break;
    const MessageParser::Status status = parser_.parse(in);
    if (status == MessageParser::Status::kError) {
      protocolError(parser_.error());
      break;
    }
    if (status != MessageParser::Status::kMessageComplete) break;
  }
  in_parse_ = false;
  if (closed_ || !error_.ok()) pending_.clear();
}

bool ClientConnectionImpl::parsingPaused() const {
  if (draining_on_close_) return false;
  return closed_ || stream_read_disabled_ > 0;
}

MessageParserCallbacks::HeadAction ClientConnectionImpl::onMessageHead(
    std::unique_ptr<HeaderMap> headers, const MessageHead& head) {
  informational_ = false;
  if (head.status == 101) {
    if (!upgrade_request_) {
      parser_.fail(absl::InvalidArgumentError(
          "http1.codec_error: 101 response to a request without upgrade"));
      return HeadAction::kContinue;
    }
    upgraded_ = true;
    if (decoder_ != nullptr) decoder_->decodeHeaders(std::move(headers), false);
    return HeadAction::kUpgrade;
  }
  if (head.status < 200) {
    // Interim responses (100 Continue, 103 Early Hints) are not forwarded.
    informational_ = true;
    return HeadAction::kContinue;
  }
  if (!head.keep_alive || (head.close_delimited && !head_request_) || upgrade_request_) {
    reusable_ = false;
  }
  const bool end_stream = !head.body_expected || head_request_;
  if (end_stream) {
    // Finish first: the decoder may hand this connection to the next request right away.
    if (!request_complete_) reusable_ = false;
    ResponseDecoder* decoder = finishStream();
    if (decoder != nullptr) decoder->decodeHeaders(std::move(headers), true);
  } else if (decoder_ != nullptr) {
    decoder_->decodeHeaders(std::move(headers), false);
  }
  return head_request_ ? HeadAction::kSkipBody : HeadAction::kContinue;
}

void ClientConnectionImpl::onMessageData(Buffer& data, bool end_stream) {
  if (!end_stream) {
    if (decoder_ != nullptr) {
      decoder_->decodeData(data, false);
    } else {
      data.clear();
    }
    return;
  }
  if (!request_complete_) reusable_ = false;
  ResponseDecoder* decoder = finishStream();
  if (decoder != nullptr) {
    decoder->decodeData(data, true);
  } else {
    data.clear();
  }
}

void ClientConnectionImpl::onMessageTrailers(std::unique_ptr<HeaderMap> trailers) {
  if (!request_complete_) reusable_ = false;
  ResponseDecoder* decoder = finishStream();
  if (decoder != nullptr) decoder->decodeTrailers(std::move(trailers));
}

void ClientConnectionImpl::onMessageComplete() {
  if (informational_) {
    informational_ = false;
    return;
  }
  if (upgraded_ && stream_active_) raw_input_ = true;
}

void ClientConnectionImpl::onConnectionClosed() {
  if (closed_) return;
  closed_ = true;
  reusable_ = false;
  if (!stream_active_) return;
  if (upgraded_) {
    // An upgraded stream simply ends when the upstream closes.
    ResponseDecoder* decoder = finishStream();
    Buffer empty;
    if (decoder != nullptr) decoder->decodeData(empty, true);
    return;
  }
  if (!in_parse_) {
    // Bytes held back while read-disabled come before the end of a read-until-close body.
    draining_on_close_ = true;
    in_parse_ = true;
    while (!pending_.empty() && error_.ok() && stream_active_ && !raw_input_) {
      if (parser_.parse(pending_) != MessageParser::Status::kMessageComplete) break;
    }
    in_parse_ = false;
    draining_on_close_ = false;
    pending_.clear();
    if (!parser_.error().ok()) {
      protocolError(parser_.error());
      return;
    }
    if (!stream_active_ || parser_.finishOnClose()) return;
  }
  finishStream();
  stream_callbacks_.runResetCallbacks(StreamResetReason::kConnectionTermination);
}

ResponseDecoder* ClientConnectionImpl::finishStream() {
  if (!stream_active_) return nullptr;
  ResponseDecoder* decoder = decoder_;
  stream_active_ = false;
  decoder_ = nullptr;
  raw_input_ = false;
  while (stream_read_disabled_ > 0) {
    --stream_read_disabled_;
    if (!closed_) output_.readDisable(false);
  }
  return decoder;
}

void ClientConnectionImpl::protocolError(absl::Status status) {
  if (error_.ok()) error_ = std::move(status);
  reusable_ = false;
  if (!stream_active_) return;
  finishStream();
  stream_callbacks_.runResetCallbacks(StreamResetReason::kProtocolError);
}

void ClientConnectionImpl::closeConnection(network::CloseType type) {
  if (closed_) return;
  closed_ = true;
  reusable_ = false;
  if (!in_parse_) pending_.clear();
  output_.close(type);
}

// ---- output --------------------------------------------------------------------------------

void ClientConnectionImpl::encodeHeaders(const HeaderMap& headers, bool end_stream) {
  if (!stream_active_ || request_started_ || closed_) return;
  request_started_ = true;
  const std::string_view method = headers.method();
  const std::string_view authority = headers.authority();
  const bool is_connect = method == "CONNECT";
  head_request_ = method == "HEAD";
  const FramingFields fields = inspectFraming(headers);
  const auto protocol = headers.get(headers::kProtocol);
  upgrade_request_ =
      is_connect || protocol.has_value() || (fields.connection_upgrade && headers.has("upgrade"));
  if (fields.connection_close) reusable_ = false;

  Buffer out;
  std::string_view target = is_connect ? authority : headers.path();
  appendRequestLine(out, method, target.empty() ? std::string_view("/") : target);
  uint32_t skip = 0;
  if (!authority.empty()) {
    appendField(out, "host", authority);
    skip |= kSkipHost;
  }
  if (upgrade_request_ && !is_connect) {
    skip |= kSkipConnection | kSkipUpgrade;
    appendFields(out, headers, skip);
    // The upgrade needs both fields whatever the map held (the connection manager keeps
    // them; a request translated from HTTP/2 extended CONNECT has only :protocol).
    appendField(out, "connection", "upgrade");
    if (auto upgrade = headers.get("upgrade"); upgrade.has_value()) {
      appendField(out, "upgrade", *upgrade);
    } else {
      appendField(out, "upgrade", *protocol);
    }
    request_framing_ = BodyFraming::kRaw;
  } else {
    appendFields(out, headers, skip);
    if (is_connect) {
      request_framing_ = BodyFraming::kRaw;
    } else if (end_stream) {
      request_framing_ = BodyFraming::kNone;
      if (fields.content_length_valid) {
        appendField(out, "content-length", fmt::format_int(fields.content_length).c_str());
      } else if (expectsBody(method)) {
        appendField(out, "content-length", "0");
      }
    } else if (fields.content_length_valid) {
      request_framing_ =
          fields.content_length == 0 ? BodyFraming::kNone : BodyFraming::kContentLength;
      appendField(out, "content-length", fmt::format_int(fields.content_length).c_str());
    } else {
      request_framing_ = BodyFraming::kChunked;
      appendField(out, "transfer-encoding", "chunked");
    }
  }
  out.add(kCrlf);
  output_.write(out);
  if (end_stream) onRequestComplete();
}

void ClientConnectionImpl::encodeData(Buffer& data, bool end_stream) {
  if (!stream_active_ || !request_started_ || request_complete_ || closed_) {
    data.clear();
    return;
  }
  writeBody(output_, request_framing_, data, end_stream);
  if (!end_stream) return;
  if (request_framing_ == BodyFraming::kRaw) {
    // The downstream side of an upgraded (or upgrading) stream ended: so does the
    // connection, once what is queued is written.
    finishStream();
    closeConnection(network::CloseType::kFlushWrite);
    return;
  }
  onRequestComplete();
}

void ClientConnectionImpl::encodeTrailers(const HeaderMap& trailers) {
  if (!stream_active_ || !request_started_ || request_complete_ || closed_) return;
  if (request_framing_ == BodyFraming::kChunked) {
    Buffer out;
    out.add(kLastChunk);
    appendFields(out, trailers, 0);
    out.add(kCrlf);
    output_.write(out);
  }
  onRequestComplete();
}

void ClientConnectionImpl::onRequestComplete() { request_complete_ = true; }

// ---- stream controls -----------------------------------------------------------------------

void ClientConnectionImpl::addStreamCallbacks(StreamCallbacks& callbacks) {
  if (!stream_active_) return;
  stream_callbacks_.add(callbacks);
  if (above_write_high_watermark_) callbacks.onAboveWriteBufferHighWatermark();
}

void ClientConnectionImpl::resetStream(StreamResetReason reason) {
  if (!stream_active_) return;
  finishStream();
  reusable_ = false;
  stream_callbacks_.runResetCallbacks(reason);
  closeConnection(network::CloseType::kNoFlush);
}

void ClientConnectionImpl::readDisableStream(bool disable) {
  if (!stream_active_ || closed_) return;
  if (disable) {
    ++stream_read_disabled_;
    output_.readDisable(true);
    return;
  }
  if (stream_read_disabled_ == 0) return;
  --stream_read_disabled_;
  output_.readDisable(false);
  // Deliver what was held back; the caller is the upstream side's own watermark callback,
  // not a codec callback, so there is no codec frame to re-enter.
  if (stream_read_disabled_ == 0 && !pending_.empty()) {
    processInput(pending_);
    // No dispatch() is on the stack to hand an error in those bytes (a malformed body, a
    // response with no request outstanding) to the caller, who would close the connection:
    // close it here, or it stays open, unusable and unnoticed. From now on dispatch()
    // returns the error.
    if (!error_.ok() && !closed_) {
      log::debug("http1 client codec: error in held-back response bytes: {}", error_.message());
      closeConnection(network::CloseType::kNoFlush);
    }
  }
}

void ClientConnectionImpl::onUnderlyingConnectionAboveWriteBufferHighWatermark() {
  above_write_high_watermark_ = true;
  if (stream_active_) stream_callbacks_.runHighWatermarkCallbacks();
}

void ClientConnectionImpl::onUnderlyingConnectionBelowWriteBufferLowWatermark() {
  above_write_high_watermark_ = false;
  if (stream_active_) stream_callbacks_.runLowWatermarkCallbacks();
}

// ---- RequestEncoderImpl --------------------------------------------------------------------

void ClientConnectionImpl::RequestEncoderImpl::encodeHeaders(const HeaderMap& headers,
                                                             bool end_stream) {
  parent_.encodeHeaders(headers, end_stream);
}
void ClientConnectionImpl::RequestEncoderImpl::encodeData(Buffer& data, bool end_stream) {
  parent_.encodeData(data, end_stream);
}
void ClientConnectionImpl::RequestEncoderImpl::encodeTrailers(const HeaderMap& trailers) {
  parent_.encodeTrailers(trailers);
}
void ClientConnectionImpl::RequestEncoderImpl::addCallbacks(StreamCallbacks& callbacks) {
  parent_.addStreamCallbacks(callbacks);
}
void ClientConnectionImpl::RequestEncoderImpl::removeCallbacks(StreamCallbacks& callbacks) {
  parent_.stream_callbacks_.remove(callbacks);
}
void ClientConnectionImpl::RequestEncoderImpl::resetStream(StreamResetReason reason) {
  parent_.resetStream(reason);
}
void ClientConnectionImpl::RequestEncoderImpl::readDisable(bool disable) {
  parent_.readDisableStream(disable);
}

}  // namespace meshproxy::http::http1
