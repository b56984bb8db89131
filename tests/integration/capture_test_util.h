// Bootstraps for the transparent-capture tests: listeners with several filter chains,
// listener filters, use_original_dst, and clusters of any type. Flow-style YAML pieces so a
// test reads like the config it runs.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"

namespace meshproxy::testing {

// A network filter value (flow style) sending everything to `cluster` over TCP.
inline std::string tcpProxyFilter(const std::string& stat_prefix, const std::string& cluster) {
  return fmt::format(
      "{{name: envoy.filters.network.tcp_proxy, typed_config: {{\"@type\": "
      "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, "
      "stat_prefix: {}, cluster: {}}}}}",
      stat_prefix, cluster);
}

// An HTTP connection manager routing "/" to `cluster`.
inline std::string hcmFilter(const std::string& stat_prefix, const std::string& cluster,
                             const std::string& route_extra = "") {
  return fmt::format(
      "{{name: envoy.filters.network.http_connection_manager, typed_config: {{\"@type\": "
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
      "HttpConnectionManager, stat_prefix: {}, route_config: {{virtual_hosts: [{{name: all, "
      "domains: [\"*\"], routes: [{{match: {{prefix: /}}, route: {{cluster: {}{}}}}}]}}]}}, "
      "http_filters: [{{name: envoy.filters.http.router, typed_config: {{\"@type\": "
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}}}]}}}}",
      stat_prefix, cluster, route_extra);
}

inline std::string listenerFilter(const std::string& short_name) {
  // original_dst, tls_inspector, http_inspector
  static const std::pair<const char*, const char*> kTypes[] = {
      {"original_dst", "original_dst.v3.OriginalDst"},
      {"tls_inspector", "tls_inspector.v3.TlsInspector"},
      {"http_inspector", "http_inspector.v3.HttpInspector"},
  };
  for (const auto& [name, type] : kTypes) {
    if (short_name == name) {
      return fmt::format(
          "{{name: envoy.filters.listener.{}, typed_config: {{\"@type\": "
          "type.googleapis.com/envoy.extensions.filters.listener.{}}}}}",
          name, type);
    }
  }
  return "";
}

struct ChainSpec {
  std::string match;      // FilterChainMatch body in flow style, "" for none
  std::string filter;     // one network filter (flow style)
  std::string transport;  // transport_socket (flow style), "" for raw
  std::string name;
};

struct ListenerSpec {
  std::string name;
  std::string address = "127.0.0.1";
  int port = 0;
  std::vector<std::string> listener_filters;  // short names
  std::vector<ChainSpec> chains;
  const ChainSpec* default_chain = nullptr;
  std::string extra;  // more Listener fields at 4-space indent ("    use_original_dst: true\n")
};

inline std::string chainYaml(const ChainSpec& c) {
  std::string out = "{";
  if (!c.name.empty()) out += fmt::format("name: {}, ", c.name);
  if (!c.match.empty()) out += fmt::format("filter_chain_match: {{{}}}, ", c.match);
  if (!c.transport.empty()) out += fmt::format("transport_socket: {}, ", c.transport);
  out += fmt::format("filters: [{}]}}", c.filter);
  return out;
}

inline std::string listenerYaml(const ListenerSpec& l) {
  std::string out = fmt::format(
      "  - name: {}\n"
      "    address: {{ socket_address: {{ address: \"{}\", port_value: {} }} }}\n",
      l.name, l.address, l.port);
  if (!l.listener_filters.empty()) {
    std::vector<std::string> f;
    for (const auto& n : l.listener_filters) f.push_back(listenerFilter(n));
    out += fmt::format("    listener_filters: [{}]\n", absl::StrJoin(f, ", "));
  }
  if (!l.chains.empty()) {
    out += "    filter_chains:\n";
    for (const auto& c : l.chains) out += fmt::format("    - {}\n", chainYaml(c));
  }
  if (l.default_chain != nullptr) {
    out += fmt::format("    default_filter_chain: {}\n", chainYaml(*l.default_chain));
  }
  out += l.extra;
  return out;
}

struct ClusterSpec {
  std::string name;
  std::vector<std::string> endpoints;  // "127.0.0.1:8080"; empty: no load_assignment
  std::string extra;                   // more Cluster fields at 4-space indent
};

inline std::string clusterYaml(const ClusterSpec& c) {
  std::string out = fmt::format("  - name: {}\n    connect_timeout: 2s\n{}", c.name, c.extra);
  if (!c.endpoints.empty()) {
    out += fmt::format(
        "    load_assignment:\n      cluster_name: {}\n      endpoints:\n"
        "      - lb_endpoints:\n",
        c.name);
    for (const auto& e : c.endpoints) {
      size_t colon = e.rfind(':');
      out += fmt::format(
          "        - endpoint: {{ address: {{ socket_address: {{ address: \"{}\", port_value: {} "
          "}} }} }}\n",
          e.substr(0, colon), e.substr(colon + 1));
    }
  }
  return out;
}

inline std::string captureBootstrapYaml(const std::vector<ListenerSpec>& listeners,
                                        const std::vector<ClusterSpec>& clusters) {
  std::string out = "node: { id: capture-test, cluster: test }\nstatic_resources:\n  listeners:\n";
  for (const auto& l : listeners) out += listenerYaml(l);
  out += "  clusters:\n";
  for (const auto& c : clusters) out += clusterYaml(c);
  return out;
}

}  // namespace meshproxy::testing
