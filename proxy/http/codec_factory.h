#pragma once

#include <memory>
#include <optional>
#include <string>

#include "proxy/core/buffer.h"
#include "proxy/core/event_loop.h"
#include "proxy/http/codec.h"
#include "proxy/http/conn_manager_config.h"
#include "proxy/network/connection.h"

namespace meshproxy::http {

// The downstream protocol of a connection, as Envoy's codec_type AUTO decides it: ALPN "h2"
// (TLS) means HTTP/2, another negotiated ALPN means HTTP/1.1; without ALPN, the first bytes
// decide (the HTTP/2 client preface is h2c prior knowledge). Nullopt: the bytes read so far
// are a prefix of the preface, wait for more.
std::optional<Protocol> chooseServerProtocol(CodecType codec_type,
                                             const network::Connection& connection,
                                             const Buffer& first_bytes);

// The downstream codec for a connection, for the protocol chooseServerProtocol gave.
std::unique_ptr<ServerConnection> createServerCodec(Protocol protocol,
                                                    network::Connection& connection,
                                                    ServerConnectionCallbacks& callbacks,
                                                    const ConnManagerConfig& config,
                                                    EventLoop& loop);
std::unique_ptr<ClientConnection> createClientCodec(network::Connection& connection);

}  // namespace meshproxy::http
