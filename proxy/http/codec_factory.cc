#include "proxy/http/codec_factory.h"

#include "proxy/http/http1/client_connection.h"
#include "proxy/http/http1/server_connection.h"

namespace meshproxy::http {

std::unique_ptr<ServerConnection> createServerCodec(network::Connection& connection,
                                                    ServerConnectionCallbacks& callbacks,
                                                    const ConnManagerConfig& config,
                                                    EventLoop& loop) {
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
