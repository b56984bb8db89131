// Resources and bootstraps shared by the xDS integration tests.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/fake_ads_server.h"

namespace meshproxy::testing {

inline constexpr char kLds[] = "type.googleapis.com/envoy.config.listener.v3.Listener";
inline constexpr char kCds[] = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
inline constexpr char kRds[] = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
inline constexpr char kEds[] = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

inline std::string adsBootstrap(int ads_port) {
  return adsBootstrapYaml("node: { id: sidecar-1, cluster: web, metadata: { NAMESPACE: default } }",
                          "127.0.0.1", ads_port);
}

inline google::protobuf::Any edsCluster(const std::string& name) {
  return anyFromYaml(
      absl::StrCat("\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: ", name,
                   "\ntype: EDS\nconnect_timeout: 1s\neds_cluster_config: { eds_config: { ads: {}, "
                   "resource_api_version: V3 } }\n"));
}

inline google::protobuf::Any endpoints(const std::string& cluster, int port) {
  return anyFromYaml(absl::StrCat(
      "\"@type\": "
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment\ncluster_name: ",
      cluster,
      "\nendpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: "
      "127.0.0.1, "
      "port_value: ",
      port, " } } } } ] } ]\n"));
}

inline google::protobuf::Any rdsListener(const std::string& name, int port,
                                         const std::string& route) {
  return anyFromYaml(absl::StrCat(R"("@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: )",
                                  name, R"(
address: { socket_address: { address: 127.0.0.1, port_value: )",
                                  port, R"( } }
filter_chains:
- filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: ingress
      rds: { route_config_name: )",
                                  route, R"(, config_source: { ads: {}, resource_api_version: V3 } }
      http_filters:
      - name: envoy.filters.http.router
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)"));
}

inline google::protobuf::Any routeConfig(const std::string& name, const std::string& cluster,
                                         const std::string& regex = "") {
  std::string match =
      regex.empty() ? "{ prefix: / }" : absl::StrCat("{ safe_regex: { regex: \"", regex, "\" } }");
  return anyFromYaml(
      absl::StrCat(R"("@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: )",
                   name, R"(
virtual_hosts:
- name: all
  domains: ["*"]
  routes: [ { match: )",
                   match, ", route: { cluster: ", cluster, " } } ]\n"));
}

inline std::vector<std::string> names(const DiscoveryRequest& r) {
  return {r.resource_names().begin(), r.resource_names().end()};
}

}  // namespace meshproxy::testing
