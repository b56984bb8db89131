#pragma once

#include <string>
#include <vector>

#include "proxy/network/filter.h"
#include "proxy/network/transport_socket.h"

namespace meshproxy::network {

// One of a listener's filter chains: the network filters a connection gets and its transport.
struct FilterChain {
  std::string name;
  std::vector<NetworkFilterFactory> filter_factories;
  // TLS (DownstreamTlsContext); null is the raw transport.
  TransportSocketFactorySharedPtr transport_socket;
};

}  // namespace meshproxy::network
