#include "proxy/http/codec_factory.h"

#include <algorithm>
#include <string_view>

#include "proxy/http/http1/client_connection.h"
#include "proxy/http/http1/server_connection.h"
#include "proxy/http/http2/server_connection.h"
#include "proxy/network/ssl_connection_info.h"

namespace meshproxy::http {
namespace {

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace

std::optional<Protocol> chooseServerProtocol(CodecType codec_type,
                                             const network::Connection& connection,
                                             const Buffer& first_bytes) {
  switch (codec_type) {
    case CodecType::kHttp1:
      return Protocol::kHttp11;
    case CodecType::kHttp2:
      return Protocol::kHttp2;
    case CodecType::kAuto:
      break;
  }
  if (const auto& ssl = connection.ssl(); ssl != nullptr && !ssl->alpn().empty()) {
    return ssl->alpn() == "h2" ? Protocol::kHttp2 : Protocol::kHttp11;
  }
  const size_t n = std::min(first_bytes.length(), kHttp2Preface.size());
  char head[kHttp2Preface.size()];
  first_bytes.copyOut(0, n, head);
  if (std::string_view(head, n) != kHttp2Preface.substr(0, n)) return Protocol::kHttp11;
  if (n < kHttp2Preface.size()) return std::nullopt;
  return Protocol::kHttp2;
}

std::unique_ptr<ServerConnection> createServerCodec(Protocol protocol,
                                                    network::Connection& connection,
                                                    ServerConnectionCallbacks& callbacks,
                                                    const ConnManagerConfig& config,
                                                    EventLoop& loop) {
  if (protocol == Protocol::kHttp2) {
    http2::Http2Settings settings = config.http2_settings;
    settings.max_headers_kb = config.max_request_headers_kb;
    settings.max_headers_count = config.max_headers_count;
    settings.headers_with_underscores_action = config.headers_with_underscores_action;
    settings.loop = &loop;
    settings.stream_buffer_limit = connection.bufferLimit();
    return std::make_unique<http2::ServerConnectionImpl>(connection, callbacks, settings);
  }
  http1::Http1Settings settings;
  settings.max_request_headers_kb = config.max_request_headers_kb;
  settings.max_headers_count = config.max_headers_count;
  settings.headers_with_underscores_action = config.headers_with_underscores_action;
  settings.codec_stats = config.http1_stats.get();
  settings.loop = &loop;
  settings.stream_buffer_limit = connection.bufferLimit();
  return std::make_unique<http1::ServerConnectionImpl>(connection, callbacks, settings);
}

std::unique_ptr<ClientConnection> createClientCodec(network::Connection& connection) {
  http1::Http1Settings settings;
  settings.stream_buffer_limit = connection.bufferLimit();
  return std::make_unique<http1::ClientConnectionImpl>(connection, settings);
}

}  // namespace meshproxy::http
