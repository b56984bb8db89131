#pragma once

#include <memory>

#include "proxy/core/event_loop.h"
#include "proxy/http/codec.h"
#include "proxy/network/connection.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/host.h"

namespace meshproxy::upstream {

// A health check's connection to a host (and its HTTP codec, if any). Neither may be freed
// inside its own callbacks, so a session that is done with one hands it to
// release(), which closes it and deletes it after the current event.
struct HealthCheckConnection : public DeferredDeletable {
  // Connects to the host's health check address (health_check_config.port_value) with the
  // cluster's connect timeout, buffer limit, transport (TLS) and source address.
  HealthCheckConnection(EventLoop& loop, const ClusterConfig& cluster, const Host& host,
                        network::ConnectionCallbacks& callbacks);
  ~HealthCheckConnection() override;

  std::unique_ptr<network::Connection> connection;
  std::unique_ptr<http::ClientConnection> codec;

  static void release(EventLoop& loop, std::unique_ptr<HealthCheckConnection>& connection);
};

}  // namespace meshproxy::upstream
