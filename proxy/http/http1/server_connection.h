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
#include "proxy/http/stream_callback_helper.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http1 {

// The HTTP/1.1 codec of one downstream connection: parses requests, one at a time, and
// writes their responses. A stream opens (newStream) with the first byte of a request.
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
// Request rules of HTTP/1 are checked here too: the request-target must be origin-form
// ("/...") or "*" for OPTIONS (else "http1.invalid_path"), and an HTTP/1.1 request must name
// its host (else "missing_host_header"); both are answered as malformed input.
//
// Errors: the codec answers malformed input itself and parses nothing more. It opens a
// stream if none was open (newStream, without decodeHeaders) and, while that stream's
// response has not started, asks for a 400 or 431 through RequestDecoder::sendLocalReply
// (details: the error's message); the response then closes the connection. A response
// already under way just finishes, and the connection closes after it. dispatch() returns
// the error (InvalidArgument for 400, ResourceExhausted for 431) for the caller to count and
// log, and again for any later input. Errors found while parsing pipelined requests outside
// dispatch() (see Http1Settings::loop) are answered the same way.
//
// goAway() (a drain) ends the connection after the current response; shutdownNotice() has
// nothing to send in HTTP/1.
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
  void shutdownNotice() override {}
  void goAway() override;
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
    void addCallbacks(StreamCallbacks& callbacks) override;
    void removeCallbacks(StreamCallbacks& callbacks) override;
    void resetStream(StreamResetReason reason) override;
    void readDisable(bool disable) override;
    uint32_t bufferLimit() const override { return parent_.settings_.stream_buffer_limit; }

   private:
    ServerConnectionImpl& parent_;
  };

  // MessageParserCallbacks
  void onMessageBegin() override;
  HeadAction onMessageHead(std::unique_ptr<HeaderMap> headers, const MessageHead& head) override;
  void onMessageData(Buffer& data, bool end_stream) override;
  void onMessageTrailers(std::unique_ptr<HeaderMap> trailers) override;
  void onMessageComplete() override;
  bool parsingPaused() const override;

  void encodeHeaders(const HeaderMap& headers, bool end_stream);
  void encodeData(Buffer& data, bool end_stream);
  void encodeTrailers(const HeaderMap& trailers);
  void encode1xxHeaders(const HeaderMap& headers);
  void addStreamCallbacks(StreamCallbacks& callbacks);
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
  // HTTP/1's rules for a request head the parser accepted; false after failing the parser.
  bool checkRequestHead(const HeaderMap& headers);
  void failRequest(std::string_view details, std::string_view body);
  void answerError();
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
  // The local reply's body for error_ when it is not the status text.
  std::string_view error_body_;

  // The exchange in progress.
  RequestDecoder* decoder_ = nullptr;
  StreamCallbackHelper stream_callbacks_;
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
