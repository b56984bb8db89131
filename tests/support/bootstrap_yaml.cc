#include "tests/support/bootstrap_yaml.h"

#include <fmt/format.h>

#include "absl/strings/str_cat.h"

namespace meshproxy::testing {

std::string tcpProxyBootstrapYaml(const TcpProxyBootstrap& b) {
  std::string endpoints;
  for (int port : b.upstream_ports) {
    endpoints += fmt::format(
        "        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {} "
        "}} }} }}\n",
        port);
  }
  std::string proxy_extra;
  if (!b.idle_timeout.empty())
    proxy_extra += fmt::format("          idle_timeout: {}\n", b.idle_timeout);
  if (b.max_connect_attempts > 0) {
    proxy_extra += fmt::format("          max_connect_attempts: {}\n", b.max_connect_attempts);
  }
  if (!b.access_log_path.empty()) {
    proxy_extra += fmt::format(
        "          access_log:\n"
        "          - name: envoy.access_loggers.file\n"
        "            typed_config:\n"
        "              \"@type\": "
        "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
        "              path: {}\n",
        b.access_log_path);
  }
  std::string limit =
      b.buffer_limit_bytes > 0
          ? fmt::format("    per_connection_buffer_limit_bytes: {}\n", b.buffer_limit_bytes)
          : "";
  return fmt::format(R"(node: {{ id: test-node, cluster: test }}
static_resources:
  listeners:
  - name: tcp_listener
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {listener_port} }} }}
{limit}    filter_chains:
    - filters:
{filters_before}      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: test_tcp
          cluster: {cluster}
{proxy_extra}  clusters:
  - name: {cluster}
    connect_timeout: {connect_timeout}
{limit}    load_assignment:
      cluster_name: {cluster}
      endpoints:
      - lb_endpoints:
{endpoints})",
                     fmt::arg("listener_port", b.listener_port), fmt::arg("limit", limit),
                     fmt::arg("filters_before", b.filters_before),
                     fmt::arg("cluster", b.cluster_name), fmt::arg("proxy_extra", proxy_extra),
                     fmt::arg("connect_timeout", b.connect_timeout),
                     fmt::arg("endpoints", endpoints));
}

std::string httpBootstrapYaml(const HttpBootstrap& b) {
  std::string routes = b.route_config;
  if (routes.empty()) {
    routes = fmt::format(
        "            virtual_hosts:\n"
        "            - name: all\n"
        "              domains: [\"*\"]\n"
        "              routes:\n"
        "              - match: {{ prefix: / }}\n"
        "                route: {{ cluster: {} }}\n",
        b.clusters.empty() ? "none" : b.clusters[0].name);
  }
  std::string clusters;
  for (const auto& c : b.clusters) {
    std::string endpoints;
    for (int port : c.ports) {
      endpoints += fmt::format(
          "        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: "
          "{} }} }} }}\n",
          port);
    }
    clusters += fmt::format(
        "  - name: {name}\n"
        "    connect_timeout: 1s\n"
        "{extra}"
        "    load_assignment:\n"
        "      cluster_name: {name}\n"
        "      endpoints:\n"
        "      - lb_endpoints:\n"
        "{endpoints}",
        fmt::arg("name", c.name), fmt::arg("extra", c.extra),
        fmt::arg("endpoints", c.ports.empty() ? "        []\n" : endpoints));
  }
  return fmt::format(R"(node: {{ id: test-node, cluster: test }}
static_resources:
  listeners:
  - name: http_listener
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
{hcm_extra}          route_config:
            name: test_routes
{routes}          http_filters:
{http_filters}          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
{clusters})",
                     fmt::arg("port", b.listener_port), fmt::arg("hcm_extra", b.hcm_extra),
                     fmt::arg("routes", routes), fmt::arg("http_filters", b.http_filters),
                     fmt::arg("clusters", clusters));
}

std::string adsBootstrapYaml(const std::string& preamble, const std::string& xds_host,
                             int xds_port) {
  return adsBootstrapYaml(
      AdsBootstrap{.preamble = preamble, .xds_host = xds_host, .xds_port = xds_port});
}

std::string adsBootstrapYaml(const AdsBootstrap& b) {
  std::string address =
      b.xds_pipe.empty()
          ? absl::StrCat("socket_address: { address: ", b.xds_host, ", port_value: ", b.xds_port,
                         " }")
          : absl::StrCat("pipe: { path: \"", b.xds_pipe, "\" }");
  std::string service = "envoy_grpc: { cluster_name: xds }";
  if (!b.initial_metadata.empty())
    absl::StrAppend(&service, ", initial_metadata: ", b.initial_metadata);
  return absl::StrCat(b.preamble, R"(
dynamic_resources:
  ads_config:
    api_type: )", b.api_type, R"(
    transport_api_version: V3
    set_node_on_first_message_only: )", b.set_node_on_first_message_only ? "true" : "false", R"(
    grpc_services: [ { )", service, R"( } ]
  cds_config: { ads: {}, resource_api_version: V3 }
  lds_config: { ads: {}, resource_api_version: V3 }
static_resources:
  clusters:
  - name: xds
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { )", address, R"( } } } ] } ]
)");
}

}  // namespace meshproxy::testing
