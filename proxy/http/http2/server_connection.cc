#include "proxy/http/http2/server_connection.h"

namespace meshproxy::http::http2 {

ServerConnectionImpl::ServerConnectionImpl(network::Connection& connection,
                                           ServerConnectionCallbacks& callbacks,
                                           const Http2Settings& settings)
    : OwnedOutput{std::make_unique<ConnectionOutput>(connection)},
      ConnectionImpl(*owned_output, settings, /*server=*/true),
      callbacks_(callbacks) {
  sendPendingFrames();  // our SETTINGS, the server half of the preface
}

ServerConnectionImpl::ServerConnectionImpl(Output& output, ServerConnectionCallbacks& callbacks,
                                           const Http2Settings& settings)
    : ConnectionImpl(output, settings, /*server=*/true), callbacks_(callbacks) {
  sendPendingFrames();
}

StreamImpl* ServerConnectionImpl::onNewRemoteStream(int32_t) {
  return &addStream(std::make_unique<ServerStream>(*this));
}

void ServerConnectionImpl::ServerStream::onHeadersComplete(std::unique_ptr<HeaderMap> headers,
                                                           bool end_stream) {
  if (normalizeReceivedRequest(*headers)) {
    upgrade_protocol_ = std::string(headers->get(headers::kProtocol).value_or(""));
  }
  decoder_ = &server_.callbacks_.newStream(*this);
  deliverHeaders(std::move(headers), end_stream);
}

int32_t ServerConnectionImpl::ServerStream::submitHeaders(const NvList& headers,
                                                          const nghttp2_data_provider* provider) {
  const int rc = nghttp2_submit_response(server_.session_, stream_id_, headers.data(),
                                         headers.size(), provider);
  return rc < 0 ? rc : stream_id_;
}

void ServerConnectionImpl::ServerStream::encodeHeaders(const HeaderMap& headers, bool end_stream) {
  NvList nv;
  buildResponseHeaders(headers, !upgrade_protocol_.empty(), nv);
  encodeHeadersImpl(nv, end_stream);
}

void ServerConnectionImpl::ServerStream::encode1xxHeaders(const HeaderMap& headers) {
  if (headers.status() == 101 || server_.closed()) return;  // no 101 in HTTP/2
  NvList nv;
  buildResponseHeaders(headers, false, nv);
  nghttp2_submit_headers(server_.session_, NGHTTP2_FLAG_NONE, stream_id_, nullptr, nv.data(),
                         nv.size(), nullptr);
  server_.sendPendingFrames();
}

}  // namespace meshproxy::http::http2
