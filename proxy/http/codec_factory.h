#pragma once

#include <memory>
#include <string>

#include "proxy/core/event_loop.h"
#include "proxy/http/codec.h"
#include "proxy/http/conn_manager_config.h"
#include "proxy/network/connection.h"

namespace meshproxy::http {

// The downstream codec for a connection (HTTP/1.1 today; HTTP/2 will be chosen here by ALPN
// or preface).
std::unique_ptr<ServerConnection> createServerCodec(network::Connection& connection,
                                                    ServerConnectionCallbacks& callbacks,
                                                    const ConnManagerConfig& config,
                                                    EventLoop& loop);
std::unique_ptr<ClientConnection> createClientCodec(network::Connection& connection);

}  // namespace meshproxy::http
