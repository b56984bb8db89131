#pragma once

#include <memory>

#include "proxy/http/codec.h"
#include "proxy/http/http2/connection_impl.h"
#include "proxy/http/http2/output.h"
#include "proxy/http/http2/settings.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http2 {

// Holds the ConnectionOutput of a codec built over a network::Connection; a base so it is
// constructed before ConnectionImpl, which keeps a reference to it.
struct OwnedOutput {
  std::unique_ptr<ConnectionOutput> owned_output;
};

// The HTTP/2 codec of one downstream connection (h2 after ALPN, or h2c prior knowledge: the
// client preface is expected first).
//
// Each request stream is handed to ServerConnectionCallbacks::newStream once its header block
// is complete and valid, with headers shaped like the HTTP/1 codec's (:method, :scheme,
// :authority, :path; cookies joined; an extended CONNECT as an upgrade request).
//
// Errors are the codec's: an invalid message is a connection error (GOAWAY PROTOCOL_ERROR)
// unless override_stream_error_on_invalid_http_message, then a RST_STREAM PROTOCOL_ERROR on
// that stream only; floods get GOAWAY ENHANCE_YOUR_CALM. After a connection error dispatch()
// returns it, the streams have been reset and the connection is closing (flushing the
// GOAWAY): the caller answers nothing. goAway() closes the connection itself once the last
// stream ends.
//
// Never destroy the codec from inside one of its callbacks; defer the deletion.
class ServerConnectionImpl : private OwnedOutput, public ServerConnection, public ConnectionImpl {
 public:
  ServerConnectionImpl(network::Connection& connection, ServerConnectionCallbacks& callbacks,
                       const Http2Settings& settings);
  // For tests and other transports: frames go to `output`, which must outlive the codec.
  ServerConnectionImpl(Output& output, ServerConnectionCallbacks& callbacks,
                       const Http2Settings& settings);

  // ServerConnection
  absl::Status dispatch(Buffer& data) override { return dispatchImpl(data); }
  Protocol protocol() const override { return Protocol::kHttp2; }
  bool wantsToClose() const override { return goingAway(); }
  void onUnderlyingConnectionAboveWriteBufferHighWatermark() override {
    onAboveWriteBufferHighWatermark();
  }
  void onUnderlyingConnectionBelowWriteBufferLowWatermark() override {
    onBelowWriteBufferLowWatermark();
  }
  void shutdownNotice() override { submitShutdownNotice(); }
  void goAway() override { submitGoAway(); }

 private:
  class ServerStream : public StreamImpl, public ResponseEncoder {
   public:
    ServerStream(ServerConnectionImpl& parent) : StreamImpl(parent), server_(parent) {}
    // ResponseEncoder
    void encodeHeaders(const HeaderMap& headers, bool end_stream) override;
    void encodeData(Buffer& data, bool end_stream) override { encodeDataImpl(data, end_stream); }
    void encodeTrailers(const HeaderMap& trailers) override { encodeTrailersImpl(trailers); }
    void encode1xxHeaders(const HeaderMap& headers) override;
    Stream& stream() override { return *this; }

   private:
    int32_t submitHeaders(const NvList& headers, const nghttp2_data_provider* provider) override;
    void onHeadersComplete(std::unique_ptr<HeaderMap> headers, bool end_stream) override;

    ServerConnectionImpl& server_;
  };

  StreamImpl* onNewRemoteStream(int32_t stream_id) override;

  ServerConnectionCallbacks& callbacks_;
};

}  // namespace meshproxy::http::http2
