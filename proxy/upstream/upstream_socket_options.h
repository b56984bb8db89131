#pragma once

#include "proxy/network/connection.h"
#include "proxy/upstream/cluster_config.h"

namespace meshproxy::upstream {

// The cluster's socket options on a connection Connection::connect just made (its socket
// exists from then on): upstream_connection_options.tcp_keepalive. Every place that opens an
// upstream connection for a cluster calls it (HTTP pools, tcp_proxy).
void applyUpstreamSocketOptions(const ClusterConfig& cluster, network::Connection& connection);

}  // namespace meshproxy::upstream
