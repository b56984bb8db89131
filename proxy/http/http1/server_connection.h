#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "proxy/core/buffer.h"
#include "proxy/core/timer.h"
#include "proxy/http/codec.h"
#include "proxy/http/http1/message_parser.h"
#include "proxy/http/http1/message_writer.h"
#include "proxy/http/http1/output.h"
#include "proxy/http/http1/settings.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http1 {

// The HTTP/1.1 codec of one downstream connection: parses requests, one at a time, and
// writes their responses.
//
// Pipelining: after a request is complete the parser stops until its response has been
// written; later bytes wait in the codec (reading stops above max_buffered_input_bytes) and
// are parsed once the response completes (see Http1Settings::loop for when).
//
// Closing: the codec closes the network connection itself, with kFlushWrite, after the last
// byte of a response that must end the connection (Connection: close, HTTP/1.0 without
// keep-alive, a close-delimited body, an upgrade, a protocol error, a response that finished
// before its request). wantsToClose() turns true as soon as that is known, so the caller can
// stop creating work; it never needs to close the connection itself for these cases (doing
// so too is harmless). With Http1Settings::loop the close runs from a zero-delay timer, since
// network::Connection::close may report kLocalClose synchronously and the caller should not
// be re-entered from inside its own encode call; without a loop it happens inside that call,
// after the codec is done with the stream. resetStream() closes at once, without flushing
// (with RST if a close-delimited body was cut short).
//
// Errors: dispatch() returns InvalidArgument (answer 400) or ResourceExhausted (431) and
// parses nothing more. If no stream was open, the codec opens one (newStream, without
// decodeHeaders) before returning, so the caller can answer on it; the response then closes
// the connection. An error found while parsing pipelined requests outside dispatch() (see
// Http1Settings::loop) resets the open stream, if any, with kProtocolError, and the codec
// answers a bare 400/431 itself when no response was started.
//
// Never destroy the codec from inside one of its callbacks; defer the deletion.
class ServerConnectionImpl : public ServerConnection, private MessageParserCallbacks {
 public:
  ServerConnectionImpl(network::Connection& connection, ServerConnectionCallbacks& callbacks,
                       Http1Settings settings);
  // For tests and other transports: bytes go to `output`, which must outlive the codec.
  ServerConnectionImpl(Output& output, ServerConnectionCallbacks& callbacks,
                       Http1Settings settings);
  ~ServerConnectionImpl() override;

  // ServerConnection
  absl::Status dispatch(Buffer& data) override;
  Protocol protocol() const override { return protocol_; }
  bool wantsToClose() const override { return close_after_response_ || closed_; }
  void onUnderlyingConnectionAboveWriteBufferHighWatermark() override;
  void onUnderlyingConnectionBelowWriteBufferLowWatermark() override;

 private:
  // The response side of the current exchange, handed to the caller in newStream().
  class ResponseEncoderImpl : public ResponseEncoder, public Stream {
   public:
    explicit ResponseEncoderImpl(ServerConnectionImpl& parent) : parent_(parent) {}
    // ResponseEncoder
    void encodeHeaders(const HeaderMap& headers, bool end_stream) override;
    void encodeData(Buffer& data, bool end_stream) override;
    void encodeTrailers(const HeaderMap& trailers) override;
    void encode1xxHeaders(const HeaderMap& headers) override;
    Stream& stream() override { return *this; }
    // Stream
    void setCallbacks(StreamCallbacks* callbacks) override;
    void resetStream(StreamResetReason reason) override;
    void readDisable(bool disable) override;

   private:
    ServerConnectionImpl& parent_;
  };

  // MessageParserCallbacks
  HeadAction onMessageHead(std::unique_ptr<HeaderMap> headers, const MessageHead& head) override;
  void onMessageData(Buffer& data, bool end_stream) override;
  void onMessageTrailers(std::unique_ptr<HeaderMap> trailers) override;
  void onMessageComplete() override;
  bool parsingPaused() const override;

  void encodeHeaders(const HeaderMap& headers, bool end_stream);
  void encodeData(Buffer& data, bool end_stream);
  void encodeTrailers(const HeaderMap& trailers);
  void encode1xxHeaders(const HeaderMap& headers);
  void setStreamCallbacks(StreamCallbacks* callbacks);
  void resetStream(StreamResetReason reason);
  void readDisableStream(bool disable);

  // Parses (or, after an upgrade, forwards) what `in` holds, as far as the current state
  // allows; leaves the rest in `in`.
  void processInput(Buffer& in);
  void startStream();
  void finishStream();
  void onResponseComplete();
  void scheduleResume();
  void resumeParsing();
  // The loop timer: resumes parsing, or performs a deferred graceful close.
  void armTimer();
  void onTimer();
  void onDispatchError();
  void onErrorOutsideDispatch();
  void closeConnection(network::CloseType type);
  void updateInputBackpressure();

  std::unique_ptr<ConnectionOutput> owned_output_;
  Output& output_;
  ServerConnectionCallbacks& callbacks_;
  const Http1Settings settings_;
  MessageParser parser_;
  ResponseEncoderImpl encoder_{*this};
  // Bytes received but not parsed yet (pipelined requests; body held while read-disabled).
  Buffer pending_;
  std::unique_ptr<Timer> timer_;
  absl::Status error_;

  // The exchange in progress.
  RequestDecoder* decoder_ = nullptr;
  StreamCallbacks* stream_callbacks_ = nullptr;
  BodyFraming response_framing_ = BodyFraming::kNone;
  uint32_t stream_read_disabled_ = 0;
  bool stream_active_ = false;
  bool request_complete_ = false;
  bool response_started_ = false;
  bool head_request_ = false;
  bool upgrade_request_ = false;
  // After an upgrade request's head: the peer's bytes go to the decoder unparsed.
  bool raw_input_ = false;

  // The connection.
  Protocol protocol_ = Protocol::kHttp11;
  bool close_after_response_ = false;
  bool closed_ = false;
  // closeConnection(kFlushWrite) with a loop: output_.close() runs from the timer.
  bool close_pending_ = false;
  bool in_parse_ = false;
  bool input_read_disabled_ = false;
  bool above_write_high_watermark_ = false;
};

}  // namespace meshproxy::http::http1
