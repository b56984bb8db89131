#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "proxy/core/buffer.h"
#include "proxy/http/codec.h"
#include "proxy/http/http1/message_parser.h"
#include "proxy/http/http1/message_writer.h"
#include "proxy/http/http1/output.h"
#include "proxy/http/http1/settings.h"
#include "proxy/http/stream_callback_helper.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http1 {

// The HTTP/1.1 codec of one upstream connection: writes one request at a time and parses its
// response.
//
// Requests go out as HTTP/1.1 with host from :authority; bodies with the Content-Length the
// headers give, else chunked (none when the headers end the stream). Responses: 1xx other than
// 101 are dropped, HEAD/204/304 carry no body, a body without framing ends at
// onConnectionClosed(). A 101 to an upgrade request switches both directions to raw bytes.
//
// The stream is finished (idle() is true, reusable() final) before the decoder sees the end of
// the response, so a pool may hand the connection to a new request from inside that callback.
//
// Closing belongs to the caller (the connection pool), except that resetStream() closes the
// connection without flushing (HTTP/1 has no other reset), a finished upgrade closes it
// after flushing, and an error in bytes held back while the stream was read-disabled, found
// when readDisable(false) parses them (no dispatch() to return it from), closes it without
// flushing. dispatch() errors (a malformed response, or bytes with no request
// outstanding) reset the open stream with kProtocolError and make the connection not
// reusable; the caller closes it. Premature close mid-response resets the stream with
// kConnectionTermination.
//
// Never destroy the codec from inside one of its callbacks; defer the deletion.
class ClientConnectionImpl : public ClientConnection, private MessageParserCallbacks {
 public:
  ClientConnectionImpl(network::Connection& connection, Http1Settings settings);
  // For tests and other transports: bytes go to `output`, which must outlive the codec.
  ClientConnectionImpl(Output& output, Http1Settings settings);
  ~ClientConnectionImpl() override;

  // ClientConnection. newStream requires idle(). HTTP/1 has no GOAWAY or SETTINGS: the
  // connection callbacks are kept for the interface and never called.
  RequestEncoder& newStream(ResponseDecoder& decoder) override;
  void setConnectionCallbacks(ClientConnectionCallbacks* callbacks) override {
    connection_callbacks_ = callbacks;
  }
  uint32_t activeStreamCount() const override { return stream_active_ ? 1 : 0; }
  absl::Status dispatch(Buffer& data) override;
  void onConnectionClosed() override;
  Protocol protocol() const override { return Protocol::kHttp11; }
  bool reusable() const override;
  void onUnderlyingConnectionAboveWriteBufferHighWatermark() override;
  void onUnderlyingConnectionBelowWriteBufferLowWatermark() override;

 private:
  class RequestEncoderImpl : public RequestEncoder, public Stream {
   public:
    explicit RequestEncoderImpl(ClientConnectionImpl& parent) : parent_(parent) {}
    // RequestEncoder
    void encodeHeaders(const HeaderMap& headers, bool end_stream) override;
    void encodeData(Buffer& data, bool end_stream) override;
    void encodeTrailers(const HeaderMap& trailers) override;
    Stream& stream() override { return *this; }
    // Stream
    void addCallbacks(StreamCallbacks& callbacks) override;
    void removeCallbacks(StreamCallbacks& callbacks) override;
    void resetStream(StreamResetReason reason) override;
    void readDisable(bool disable) override;
    uint32_t bufferLimit() const override { return parent_.settings_.stream_buffer_limit; }

   private:
    ClientConnectionImpl& parent_;
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
  void addStreamCallbacks(StreamCallbacks& callbacks);
  void resetStream(StreamResetReason reason);
  void readDisableStream(bool disable);

  void processInput(Buffer& in);
  // Ends the exchange from the codec's side; returns the decoder to deliver the end to.
  ResponseDecoder* finishStream();
  void onRequestComplete();
  void protocolError(absl::Status status);
  void closeConnection(network::CloseType type);

  std::unique_ptr<ConnectionOutput> owned_output_;
  Output& output_;
  const Http1Settings settings_;
  MessageParser parser_;
  RequestEncoderImpl encoder_{*this};
  Buffer pending_;
  absl::Status error_;

  // The exchange in progress.
  ResponseDecoder* decoder_ = nullptr;
  StreamCallbackHelper stream_callbacks_;
  ClientConnectionCallbacks* connection_callbacks_ = nullptr;
  BodyFraming request_framing_ = BodyFraming::kNone;
  uint32_t stream_read_disabled_ = 0;
  bool stream_active_ = false;
  bool request_started_ = false;
  bool request_complete_ = false;
  bool head_request_ = false;
  bool upgrade_request_ = false;
  // The current message is an interim (1xx) response, dropped.
  bool informational_ = false;
  // A 101 was accepted: bytes flow raw both ways until a side closes.
  bool upgraded_ = false;
  bool raw_input_ = false;

  // The connection.
  bool reusable_ = true;
  bool closed_ = false;
  bool in_parse_ = false;
  // onConnectionClosed() parses what was held back regardless of read-disabling.
  bool draining_on_close_ = false;
  bool above_write_high_watermark_ = false;
};

}  // namespace meshproxy::http::http1
