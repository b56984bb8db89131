#include "proxy/upstream/upstream_socket_options.h"

#include <cstring>

#include "proxy/core/log.h"
#include "proxy/network/tcp_keepalive.h"

namespace meshproxy::upstream {

void applyUpstreamSocketOptions(const ClusterConfig& cluster, network::Connection& connection) {
  if (!cluster.tcp_keepalive) return;
  // A Unix socket has no TCP keepalive; a connect that failed at once has no socket.
  if (connection.remoteAddress().isPipe()) return;
  int fd = connection.fd();
  if (fd < 0) return;
  if (int err = network::applyTcpKeepalive(fd, *cluster.tcp_keepalive); err != 0) {
    log::debug("cluster '{}': TCP keepalive not set on the upstream socket: {}", cluster.name,
               std::strerror(err));
  }
}

}  // namespace meshproxy::upstream
