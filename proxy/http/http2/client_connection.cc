#include "proxy/http/http2/client_connection.h"

namespace meshproxy::http::http2 {

ClientConnectionImpl::ClientConnectionImpl(network::Connection& connection,
                                           ClientConnectionCallbacks* callbacks,
                                           const Http2Settings& settings)
    : OwnedOutput{std::make_unique<ConnectionOutput>(connection)},
      ConnectionImpl(*owned_output, settings, /*server=*/false),
      callbacks_(callbacks) {
  sendPendingFrames();  // the client preface and our SETTINGS
}

ClientConnectionImpl::ClientConnectionImpl(Output& output, ClientConnectionCallbacks* callbacks,
                                           const Http2Settings& settings)
    : ConnectionImpl(output, settings, /*server=*/false), callbacks_(callbacks) {
  sendPendingFrames();
}

RequestEncoder& ClientConnectionImpl::newStream(ResponseDecoder& decoder) {
  auto stream = std::make_unique<ClientStream>(*this, decoder);
  ClientStream& ref = *stream;
  addStream(std::move(stream));
  return ref;
}

uint32_t ClientConnectionImpl::peerMaxConcurrentStreams() const {
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

void ClientConnectionImpl::onGoAwayReceived(uint32_t error_code) {
  if (callbacks_ != nullptr) {
    callbacks_->onGoAway(error_code == NGHTTP2_NO_ERROR ? GoAwayErrorCode::kNoError
                                                        : GoAwayErrorCode::kOther);
  }
}

void ClientConnectionImpl::onSettingsReceived(const nghttp2_settings& settings) {
  for (size_t i = 0; i < settings.niv; ++i) {
    if (settings.iv[i].settings_id != NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) continue;
    const uint32_t value = settings.iv[i].value;
    if (value == peer_max_concurrent_streams_) continue;
    peer_max_concurrent_streams_ = value;
    if (callbacks_ != nullptr) callbacks_->onMaxConcurrentStreamsChanged(value);
  }
}

void ClientConnectionImpl::ClientStream::encodeHeaders(const HeaderMap& headers, bool end_stream) {
  NvList nv;
  const bool extended_connect =
      client_.settings().allow_connect && client_.peer_allows_extended_connect_;
  if (!buildRequestHeaders(headers, extended_connect, nv, upgrade_protocol_)) {
    // An upgrade this connection cannot carry; the request was never sent.
    resetStream(StreamResetReason::kProtocolError);
    return;
  }
  encodeHeadersImpl(nv, end_stream);
}

int32_t ClientConnectionImpl::ClientStream::submitHeaders(const NvList& headers,
                                                          const nghttp2_data_provider* provider) {
  const int32_t id = nghttp2_submit_request(client_.session_, nullptr, headers.data(),
                                            headers.size(), provider, this);
  if (id > 0) stream_id_ = id;
  return id;
}

void ClientConnectionImpl::ClientStream::onHeadersComplete(std::unique_ptr<HeaderMap> headers,
                                                           bool end_stream) {
  const uint32_t status = headers->status();
  if (status >= 100 && status < 200 && status != 101 && !end_stream) return;  // interim
  if (!upgrade_protocol_.empty()) normalizeUpgradeResponse(*headers, upgrade_protocol_);
  deliverHeaders(std::move(headers), end_stream);
}

}  // namespace meshproxy::http::http2
