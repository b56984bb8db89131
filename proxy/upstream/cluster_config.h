#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proxy/http/codec.h"
#include "proxy/http/http2/codec_stats.h"
#include "proxy/http/http2/settings.h"
#include "proxy/network/tcp_keepalive.h"
#include "proxy/network/transport_socket.h"
#include "proxy/protobuf/metadata.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/histogram.h"
#include "proxy/upstream/cluster_resources.h"
#include "proxy/upstream/health_check_config.h"
#include "proxy/upstream/host.h"
#include "proxy/upstream/lb_config.h"
#include "proxy/upstream/lb_tables.h"
#include "proxy/upstream/outlier_detection_config.h"
#include "proxy/upstream/transport_socket_match.h"

namespace meshproxy::upstream {

// kOriginalDst: no configured hosts; each connection goes to its downstream's original
// destination (transparent passthrough), hosts being made on demand. kLogicalDns: one name,
// one host at the first address of the latest answer (new connections follow the answer).
enum class DiscoveryType { kStatic, kStrictDns, kEds, kOriginalDst, kLogicalDns };
enum class LbPolicy { kRoundRobin, kLeastRequest, kRandom, kRingHash, kMaglev, kClusterProvided };
// The protocol of HTTP requests to the endpoints (Envoy's HttpProtocolOptions
// upstream_protocol_options): HTTP/1.1, HTTP/2 (explicit_http_config.http2_protocol_options or
// the legacy cluster field), or the downstream request's (use_downstream_protocol_config).
enum class UpstreamHttpProtocol { kHttp11, kHttp2, kUseDownstream };
enum class DnsFamily { kAuto, kV4Only, kV6Only, kV4Preferred, kAll };

// A name a STRICT_DNS cluster resolves; each address it yields becomes a host.
struct DnsTarget {
  std::string name;
  uint32_t port = 0;
  uint32_t weight = 1;
  HealthCheckTarget health_check;  // Endpoint.health_check_config
  // LbEndpoint.metadata and LocalityLbEndpoints.metadata, given to every host of the name.
  protobuf::MetadataSharedPtr metadata;
  protobuf::MetadataSharedPtr locality_metadata;
};

// Envoy's cluster.<name>.* stats this cluster keeps (references into the stats store).
struct ClusterStats {
  stats::Counter& upstream_cx_total;
  stats::Gauge& upstream_cx_active;
  stats::Counter& upstream_cx_connect_fail;
  stats::Counter& upstream_cx_connect_timeout;
  stats::Counter& upstream_cx_destroy;
  stats::Counter& upstream_cx_rx_bytes_total;
  stats::Counter& upstream_cx_tx_bytes_total;
  stats::Counter& upstream_cx_none_healthy;
  stats::Counter& upstream_cx_http1_total;
  stats::Counter& upstream_cx_http2_total;
  stats::Counter& upstream_cx_max_requests;
  stats::Counter& upstream_cx_idle_timeout;
  stats::Gauge& membership_total;
  stats::Gauge& membership_healthy;
  stats::Counter& upstream_rq_total;
  stats::Gauge& upstream_rq_active;
  stats::Counter& upstream_rq_pending_total;
  stats::Counter& upstream_rq_completed;
  stats::Counter& upstream_rq_timeout;
  stats::Counter& upstream_rq_rx_reset;
  stats::Counter& upstream_rq_tx_reset;
  stats::Counter& upstream_rq_1xx;
  stats::Counter& upstream_rq_2xx;
  stats::Counter& upstream_rq_3xx;
  stats::Counter& upstream_rq_4xx;
  stats::Counter& upstream_rq_5xx;
  stats::Histogram& upstream_rq_time;
  stats::Counter& update_success;
  stats::Counter& update_failure;
  // Circuit breakers: a connection not opened (max_connections), a request refused for
  // max_pending_requests or max_requests, a retry refused (max_retries / retry_budget), a
  // pool not created (max_connection_pools).
  stats::Counter& upstream_cx_overflow;
  stats::Counter& upstream_rq_pending_overflow;
  stats::Counter& upstream_rq_retry_overflow;
  stats::Counter& upstream_cx_pool_overflow;

  stats::Counter& rqClass(uint32_t status) const {
    switch (status / 100) {
      case 1:
        return upstream_rq_1xx;
      case 2:
        return upstream_rq_2xx;
      case 3:
        return upstream_rq_3xx;
      case 4:
        return upstream_rq_4xx;
      default:
        return upstream_rq_5xx;
    }
  }
};

// What the router's retries did, per cluster (Envoy's names). Kept apart from ClusterStats.
struct RetryStats {
  stats::Counter& upstream_rq_retry;
  stats::Counter& upstream_rq_retry_success;
  stats::Counter& upstream_rq_retry_overflow;
  stats::Counter& upstream_rq_retry_limit_exceeded;
  stats::Counter& upstream_rq_retry_backoff_exponential;
  stats::Counter& upstream_rq_retry_backoff_ratelimited;
  // A retry was wanted but the request body outgrew the buffer limit.
  stats::Counter& retry_or_shadow_abandoned;
  stats::Counter& upstream_rq_per_try_timeout;
  stats::Counter& upstream_rq_per_try_idle_timeout;
  // meshproxy's own: requests sent again because a reused keep-alive connection turned out
  // to be closed by the upstream (no response byte came back).
  stats::Counter& upstream_rq_retry_keepalive_race;
};

// A cluster after translation: everything the data path needs, nothing it must parse.
struct ClusterConfig {
  std::string name;
  // Cluster.metadata (filter_metadata, typed_filter_metadata) as configured; null: none.
  protobuf::MetadataSharedPtr metadata;
  DiscoveryType type = DiscoveryType::kStatic;
  LbPolicy lb_policy = LbPolicy::kRoundRobin;
  // The policy's parameters and common_lb_config (config/lb_policy_translator.cc).
  LbConfig lb;
  // Ring and maglev tables, built once per host-set change by the first worker that needs
  // them and shared read-only by the others (see lb_tables.h). Copies of this config (EDS
  // updates) share the cache; a table is reused only for the exact same hosts and weights.
  std::shared_ptr<LbTableCache> lb_tables = std::make_shared<LbTableCache>();
  std::chrono::milliseconds connect_timeout{5000};
  uint32_t per_connection_buffer_limit = 1024 * 1024;
  // HTTP connection pools: 0 means unlimited / disabled.
  uint32_t max_requests_per_connection = 0;
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};
  // STRICT_DNS and LOGICAL_DNS: the names to resolve (host:port), and how often.
  std::vector<DnsTarget> dns_targets;
  std::chrono::milliseconds dns_refresh_rate{5000};
  DnsFamily dns_family = DnsFamily::kAuto;
  // respect_dns_ttl: the next lookup comes at the answers' TTL instead of dns_refresh_rate.
  bool respect_dns_ttl = false;
  // EDS: the ClusterLoadAssignment name to subscribe to, and how long to wait for it.
  std::string eds_service_name;
  std::chrono::milliseconds initial_fetch_timeout{15000};
  // Declared HTTP/2 (explicit_http_config.http2_protocol_options or the legacy field): the
  // xDS gRPC stream needs it.
  bool http2 = false;
  UpstreamHttpProtocol http_protocol = UpstreamHttpProtocol::kHttp11;
  // http2_protocol_options for HTTP/2 connections (header limits and loop filled in per
  // connection).
  http::http2::Http2Settings http2_settings;
  // cluster.<name>.http2.* for this cluster's HTTP/2 connections (http2_settings.stats points
  // here); null for HTTP/1.1-only clusters.
  std::shared_ptr<const http::http2::Http2CodecStats> http2_stats;
  // The protocol a request arriving over `downstream` is sent with.
  http::Protocol upstreamProtocol(http::Protocol downstream) const {
    switch (http_protocol) {
      case UpstreamHttpProtocol::kHttp2:
        return http::Protocol::kHttp2;
      case UpstreamHttpProtocol::kUseDownstream:
        return downstream == http::Protocol::kHttp2 ? http::Protocol::kHttp2
                                                    : http::Protocol::kHttp11;
      case UpstreamHttpProtocol::kHttp11:
        break;
    }
    return http::Protocol::kHttp11;
  }
  HostVector hosts;
  // Active health checks (run on the main thread; results in each host's kFailedActiveHc).
  std::vector<HealthCheckConfigSharedPtr> health_checks;
  std::shared_ptr<const HealthCheckStats> health_check_stats;
  // With health checks, a host discovery removed stays while it passes them (Envoy), unless
  // this is set.
  bool ignore_health_on_host_removal = false;
  // ORIGINAL_DST: hosts unused this long are dropped (with their idle connections).
  std::chrono::milliseconds cleanup_interval{5000};
  // ORIGINAL_DST over HTTP: take the destination from this request header when
  // use_http_header is set (original_dst_lb_config), and/or force the port.
  bool original_dst_use_http_header = false;
  std::string original_dst_http_header = "x-envoy-original-dst-host";
  uint32_t original_dst_port_override = 0;
  // upstream_bind_config.source_address: the local address upstream sockets bind to.
  std::optional<network::Address> source_address;
  // upstream_connection_options.tcp_keepalive: set on every upstream TCP socket
  // (applyUpstreamSocketOptions, upstream_socket_options.h).
  std::optional<network::TcpKeepalive> tcp_keepalive;
  // The name its stats go under, "cluster.<stat_name>.": alt_stat_name when set, else name.
  std::string stat_name;
  // TLS to the endpoints (UpstreamTlsContext); null is the raw transport.
  network::TransportSocketFactorySharedPtr transport_socket;
  // transport_socket_matches: per endpoint, by its metadata (Istio: mTLS to endpoints
  // labelled tlsMode: istio, plain text to the others).
  std::vector<TransportSocketMatch> transport_socket_matches;
  // The transport for connections to `host`: the matching transport_socket_matches entry's,
  // else transport_socket. Null: raw. Per new connection, never per request.
  const network::TransportSocketFactory* transportSocketFor(const Host& host) const {
    if (transport_socket_matches.empty()) return transport_socket.get();
    return resolveTransportSocket(transport_socket_matches, host.metadata(),
                                  host.localityMetadata(), transport_socket.get());
  }
  // SDS secrets the TLS context needs: the cluster warms until SecretManager::hasSecret for
  // each.
  std::vector<std::string> secrets;
  // Hosts come from DNS lookups on the main thread (STRICT_DNS, LOGICAL_DNS).
  bool resolvesDns() const {
    return type == DiscoveryType::kStrictDns || type == DiscoveryType::kLogicalDns;
  }
  // False while its TLS context waits for SDS secrets (the cluster should stay warming).
  bool transportReady() const {
    if (transport_socket != nullptr && !transport_socket->ready()) return false;
    for (const auto& match : transport_socket_matches) {
      if (match.factory != nullptr && !match.factory->ready()) return false;
    }
    return true;
  }
  // The counters live in the stats store; shared so a rebuilt config can keep them.
  std::shared_ptr<const ClusterStats> stats;
  // outlier_detection; null: off (workers count outcomes but keep no streaks).
  OutlierDetectionConfigSharedPtr outlier_detection;
  // circuit_breakers.thresholds by priority (Envoy's defaults when absent).
  CircuitBreakers circuit_breakers;
  std::shared_ptr<const RetryStats> retry_stats;
  // Open connections and requests across workers (ClusterResources::forCluster(name)).
  ClusterResourcesSharedPtr resources = ClusterResources::unshared();

  // The retry-admission hook for the router: true (and counted) when a retry of a request at
  // `priority` may start now under max_retries / retry_budget; else counts
  // upstream_rq_retry_overflow. A started retry ends with retryDone(priority).
  bool tryStartRetry(ResourcePriority priority) const {
    if (resources->tryStartRetry(priority, circuit_breakers.at(priority))) return true;
    stats->upstream_rq_retry_overflow.inc();
    return false;
  }
  void retryDone(ResourcePriority priority) const { resources->retryDone(priority); }
};

using ClusterConfigSharedPtr = std::shared_ptr<const ClusterConfig>;

}  // namespace meshproxy::upstream
