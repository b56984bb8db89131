#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/network/address.h"
#include "proxy/network/filter_chain.h"
#include "proxy/network/filter_chain_matcher.h"
#include "proxy/network/transport_socket.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"

namespace meshproxy::network {

enum class ListenerFilterKind { kOriginalDst, kTlsInspector, kHttpInspector };

// Envoy's tls_inspector.* / http_inspector.* / original_dst stats, under the listener.
struct ListenerFilterStats {
  stats::Counter& tls_found;
  stats::Counter& tls_not_found;
  stats::Counter& sni_found;
  stats::Counter& alpn_found;
  stats::Counter& client_hello_too_large;
  stats::Counter& http10_found;
  stats::Counter& http11_found;
  stats::Counter& http2_found;
  stats::Counter& http_not_found;
  stats::Counter& original_dst_restored;
  stats::Counter& handed_off;
};

// listener.<address>.* stats, plus the per-worker split Envoy keeps.
struct ListenerStats {
  stats::Counter& downstream_cx_total;
  stats::Gauge& downstream_cx_active;
  stats::Counter& downstream_cx_destroy;
  stats::Counter& no_filter_chain_match;
  // Listener filters gave up (listener_filters_timeout) / are still inspecting.
  stats::Counter& downstream_pre_cx_timeout;
  stats::Gauge& downstream_pre_cx_active;
  // Closed at accept: the overload manager's global connection limit was reached / its
  // stop_accepting_connections action was active.
  stats::Counter& downstream_global_cx_overflow;
  stats::Counter& downstream_cx_overload_reject;
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
  // filter_chains with their filter_chain_match, and default_filter_chain.
  FilterChainMatcher chains;
  // Listener filters, run in order on each new connection before its chain is picked.
  std::vector<ListenerFilterKind> listener_filters;
  std::chrono::milliseconds listener_filters_timeout{15000};  // 0: no timeout
  bool continue_on_listener_filters_timeout = false;
  std::shared_ptr<const ListenerFilterStats> listener_filter_stats;
  // The outbound "virtual" listener: hand each connection to the listener bound to its
  // original destination.
  bool use_original_dst = false;
  // False: no socket of its own; it only receives connections handed over by a
  // use_original_dst listener.
  bool bind_to_port = true;
  // Socket options of the listening socket (IP_TRANSPARENT, IP_FREEBIND).
  bool transparent = false;
  bool freebind = false;
  // Exempt from the overload manager's global connection limit (ignore_global_conn_limit) /
  // from all of its actions (bypass_overload_manager), e.g. admin and health listeners.
  bool ignore_global_conn_limit = false;
  bool bypass_overload_manager = false;
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
    auto ready = [](const std::shared_ptr<const FilterChain>& chain) {
      return chain == nullptr || chain->transport_socket == nullptr ||
             chain->transport_socket->ready();
    };
    for (const auto& entry : chains.entries()) {
      if (!ready(entry.chain)) return false;
    }
    return ready(chains.defaultChain());
  }
};

}  // namespace meshproxy::network
