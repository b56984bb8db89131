#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/network/address.h"
#include "proxy/network/filter.h"
#include "proxy/network/transport_socket.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"

namespace meshproxy::network {

struct FilterChain {
  std::string name;
  std::vector<NetworkFilterFactory> filter_factories;
  // TLS (DownstreamTlsContext); null is the raw transport.
  TransportSocketFactorySharedPtr transport_socket;
};

// listener.<address>.* stats, plus the per-worker split Envoy keeps.
struct ListenerStats {
  stats::Counter& downstream_cx_total;
  stats::Gauge& downstream_cx_active;
  stats::Counter& downstream_cx_destroy;
  stats::Counter& no_filter_chain_match;
  struct PerWorker {
    stats::Counter& downstream_cx_total;
    stats::Gauge& downstream_cx_active;
  };
  std::vector<PerWorker> workers;
};

// A listener after translation. Shared, immutable; the sockets live in ListenSockets.
struct ListenerConfig {
  std::string name;
  Address address;
  uint32_t per_connection_buffer_limit = 1024 * 1024;
  std::shared_ptr<const FilterChain> filter_chain;
  std::shared_ptr<const ListenerStats> stats;
  // Hash of the listener's proto; an update with the same hash leaves the listener alone.
  uint64_t content_hash = 0;
  // RDS route configurations and clusters its filters name, and the SDS secrets its TLS
  // context needs (the listener warms until SecretManager::hasSecret for each).
  std::vector<std::string> rds_route_configs;
  std::vector<std::string> clusters;
  std::vector<std::string> secrets;

  // False while its TLS context waits for SDS secrets (the listener should stay warming).
  bool transportReady() const {
    return filter_chain == nullptr || filter_chain->transport_socket == nullptr ||
           filter_chain->transport_socket->ready();
  }
};

}  // namespace meshproxy::network
