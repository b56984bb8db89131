// Small builders for the bootstrap YAML integration tests feed to meshproxy.
#pragma once

#include <string>
#include <vector>

namespace meshproxy::testing {

struct TcpProxyBootstrap {
  int listener_port = 0;
  std::vector<int> upstream_ports;  // endpoints of the cluster on 127.0.0.1
  std::string cluster_name = "backend";
  std::string idle_timeout;  // e.g. "1s"; empty: default
  std::string connect_timeout = "1s";
  int buffer_limit_bytes = 0;    // per_connection_buffer_limit_bytes on listener and cluster
  int max_connect_attempts = 0;  // 0: default
  std::string access_log_path;   // empty: none
  // Network filters before tcp_proxy, YAML list items at 6-space indent ("      - name: ...\n").
  std::string filters_before;
};

std::string tcpProxyBootstrapYaml(const TcpProxyBootstrap& b);

struct HttpCluster {
  std::string name;
  std::vector<int> ports;  // 127.0.0.1 endpoints
  std::string extra;       // more Cluster fields, YAML at 4-space indent ("    lb_policy: ...\n")
};

struct HttpBootstrap {
  int listener_port = 0;
  // The RouteConfiguration body at 12-space indent (virtual_hosts: ...). Empty: one vhost
  // "*" routing "/" to the first cluster.
  std::string route_config;
  std::vector<HttpCluster> clusters;
  // More HttpConnectionManager fields at 10-space indent.
  std::string hcm_extra;
  // HTTP filters ahead of the router: list items ("- name: ...") at 10-space indent.
  std::string http_filters;
};

std::string httpBootstrapYaml(const HttpBootstrap& b);

// A sidecar bootstrap whose whole config comes over ADS (LDS + CDS) from xds_host:xds_port,
// reached through the static HTTP/2 cluster `xds`. `preamble` goes first (node:, admin:).
std::string adsBootstrapYaml(const std::string& preamble, const std::string& xds_host,
                             int xds_port);

// The same with its variations: delta, a Unix socket, metadata, the node on every request.
struct AdsBootstrap {
  std::string preamble;  // node:, admin: ...
  std::string xds_host = "127.0.0.1";
  int xds_port = 0;
  std::string xds_pipe;  // non-empty: the `xds` cluster's endpoint is this Unix socket
  std::string api_type = "GRPC";  // or DELTA_GRPC
  bool set_node_on_first_message_only = true;  // as Istio's bootstrap sets it
  // grpc_services[0].initial_metadata in flow style: "[{key: x-consul-token, value: t}]".
  std::string initial_metadata;
};
std::string adsBootstrapYaml(const AdsBootstrap& b);

}  // namespace meshproxy::testing
