#include "proxy/upstream/health_check_connection.h"

namespace meshproxy::upstream {

HealthCheckConnection::HealthCheckConnection(EventLoop& loop, const ClusterConfig& cluster,
                                             const Host& host,
                                             network::ConnectionCallbacks& callbacks) {
  connection = network::Connection::connect(
      loop, host.healthCheckAddress(), cluster.connect_timeout, cluster.per_connection_buffer_limit,
      cluster.transportSocketFor(host),
      cluster.source_address ? &*cluster.source_address : nullptr);
  connection->setCallbacks(&callbacks);
}

HealthCheckConnection::~HealthCheckConnection() {
  codec.reset();
  if (connection != nullptr) {
    connection->setCallbacks(nullptr);
    connection->close(network::CloseType::kNoFlush);
  }
}

void HealthCheckConnection::release(EventLoop& loop,
                                    std::unique_ptr<HealthCheckConnection>& connection) {
  if (connection == nullptr) return;
  connection->connection->setCallbacks(nullptr);
  connection->connection->close(network::CloseType::kNoFlush);
  loop.deferredDelete(std::move(connection));
}

}  // namespace meshproxy::upstream
