#pragma once

#include <memory>

#include "proxy/http/codec.h"
#include "proxy/http/http2/connection_impl.h"
#include "proxy/http/http2/output.h"
#include "proxy/http/http2/server_connection.h"
#include "proxy/http/http2/settings.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http2 {

// The HTTP/2 codec of one upstream connection: many requests at once, each its own stream.
//
// Requests may be HTTP/1-shaped (host instead of :authority, connection-specific fields,
// upgrade requests): they are sent as HTTP/2 (an upgrade as extended CONNECT when allow_connect
// is set and the peer announced it; otherwise the stream is reset with kProtocolError).
// Interim 1xx responses are dropped, as the HTTP/1 client codec does.
//
// The connection pool learns through ClientConnectionCallbacks: onMaxConcurrentStreamsChanged
// (the peer's SETTINGS_MAX_CONCURRENT_STREAMS) and onGoAway (no new streams here; streams the
// peer did not process are reset with kRemoteRefusedStreamReset, safe to retry elsewhere).
// activeStreamCount() counts streams started and not finished; reusable() turns false after
// GOAWAY or an error.
//
// Never destroy the codec from inside one of its callbacks; defer the deletion.
class ClientConnectionImpl : private OwnedOutput, public ClientConnection, public ConnectionImpl {
 public:
  ClientConnectionImpl(network::Connection& connection, ClientConnectionCallbacks* callbacks,
                       const Http2Settings& settings);
  // For tests and other transports: frames go to `output`, which must outlive the codec.
  ClientConnectionImpl(Output& output, ClientConnectionCallbacks* callbacks,
                       const Http2Settings& settings);

  // ClientConnection
  RequestEncoder& newStream(ResponseDecoder& decoder) override;
  absl::Status dispatch(Buffer& data) override { return dispatchImpl(data); }
  void onConnectionClosed() override { ConnectionImpl::onConnectionClosed(); }
  Protocol protocol() const override { return Protocol::kHttp2; }
  bool reusable() const override { return !goingAway() && error().ok(); }
  void setConnectionCallbacks(ClientConnectionCallbacks* callbacks) override {
    callbacks_ = callbacks;
  }
  uint32_t activeStreamCount() const override { return streamCount(); }
  void onUnderlyingConnectionAboveWriteBufferHighWatermark() override {
    onAboveWriteBufferHighWatermark();
  }
  void onUnderlyingConnectionBelowWriteBufferLowWatermark() override {
    onBelowWriteBufferLowWatermark();
  }
  // The peer's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until its SETTINGS arrive).
  uint32_t peerMaxConcurrentStreams() const;

 private:
  class ClientStream : public StreamImpl, public RequestEncoder {
   public:
    ClientStream(ClientConnectionImpl& parent, ResponseDecoder& decoder)
        : StreamImpl(parent), client_(parent) {
      decoder_ = &decoder;
    }
    // RequestEncoder
    void encodeHeaders(const HeaderMap& headers, bool end_stream) override;
    void encodeData(Buffer& data, bool end_stream) override { encodeDataImpl(data, end_stream); }
    void encodeTrailers(const HeaderMap& trailers) override { encodeTrailersImpl(trailers); }
    Stream& stream() override { return *this; }

   private:
    int32_t submitHeaders(const NvList& headers, const nghttp2_data_provider* provider) override;
    void onHeadersComplete(std::unique_ptr<HeaderMap> headers, bool end_stream) override;

    ClientConnectionImpl& client_;
  };

  void onGoAwayReceived(uint32_t error_code) override;
  void onSettingsReceived(const nghttp2_settings& settings) override;

  ClientConnectionCallbacks* callbacks_;
  // Until the peer says otherwise, HTTP/2 puts no limit (RFC 9113 6.5.2).
  uint32_t peer_max_concurrent_streams_ = 0xffffffffu;
};

}  // namespace meshproxy::http::http2
