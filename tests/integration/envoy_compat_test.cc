// Configs written for Envoy, run by the real binary: Envoy's defaults and lenient spellings
// (a listener without a name, TypedStruct-wrapped filters, the router named without a
// typed_config, ADS without transport_api_version) serve traffic, and what Envoy rejects (an
// inline route to a cluster that does not exist) stops the start with exit code 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/binaries.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/http_client.h"
#include "tests/support/mesh_control_process.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

// An Envoy-example-style bootstrap: no listener name, the connection manager wrapped in a
// TypedStruct, the router by name only, dns_lookup_family on a STATIC cluster, an admin access
// log to /dev/null. `route_cluster` is what the route names; `route_extra` goes into the
// route_config (12-space indent).
std::string envoyStyleBootstrap(int listener_port, int upstream_port,
                                const std::string& route_cluster = "backend",
                                const std::string& route_extra = "") {
  return absl::StrCat(R"(
admin:
  access_log_path: /dev/null
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - address: { socket_address: { address: 127.0.0.1, port_value: )",
                      listener_port, R"( } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/udpa.type.v1.TypedStruct
          type_url: type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          value:
            statPrefix: ingress_http
            http_filters: [ { name: envoy.filters.http.router } ]
            route_config:
)",
                      route_extra, R"(              virtual_hosts:
              - name: all
                domains: ["*"]
                routes: [ { match: { prefix: "/" }, route: { cluster: )",
                      route_cluster, R"( } } ]
  clusters:
  - name: backend
    type: STATIC
    dns_lookup_family: V4_ONLY
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                      upstream_port, R"( } } } } ] } ]
)");
}

TEST(EnvoyCompatIntegrationTest, AnEnvoyStyleBootstrapServes) {
  TestServerProcess upstream({.mode = "http", .name = "backend"});
  ASSERT_TRUE(upstream.ready());
  int port = pickFreePort();
  MeshproxyProcess proxy(envoyStyleBootstrap(port, upstream.port()));
  ASSERT_TRUE(proxy.ready());
  auto r = httpGet("127.0.0.1", port, "/hello");
  EXPECT_EQ(r.status, 200) << r.error;
  // The listener got its address as name, as /listeners shows.
  EXPECT_THAT(proxy.adminGet("/listeners").body, HasSubstr(absl::StrCat("127.0.0.1_", port)));
}

TEST(EnvoyCompatIntegrationTest, AnInlineRouteToAnUnknownClusterIsAStartError) {
  TempDir dir;
  auto result = runCommand({binPath("meshproxy"), "-c",
                            dir.writeFile("b.yaml", envoyStyleBootstrap(pickFreePort(), 1, "nope")),
                            "--admin-address", "127.0.0.1:0", "--concurrency", "1"},
                           absl::Seconds(10));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("route: unknown cluster 'nope'"));
}

TEST(EnvoyCompatIntegrationTest, ValidateClustersFalseLetsTheRouteNameALaterCluster) {
  int port = pickFreePort();
  MeshproxyProcess proxy(
      envoyStyleBootstrap(port, 1, "later", "              validate_clusters: false\n"));
  ASSERT_TRUE(proxy.ready());
  // Routed to a cluster that does not exist (yet): Envoy's cluster_not_found answer.
  EXPECT_EQ(httpGet("127.0.0.1", port, "/").status, 503);
}

bool echoes(int port) {
  TcpClient c;
  if (!c.connect("127.0.0.1", port, absl::Seconds(2))) return false;
  if (!c.sendAll("ping")) return false;
  return c.recvExactly(4, absl::Seconds(2)) == "ping";
}

TEST(EnvoyCompatIntegrationTest, AdsWithoutTransportOrResourceApiVersion) {
  // Envoy's examples leave both out (V3 is the only version left).
  TestServerProcess echo("echo");
  ASSERT_TRUE(echo.ready());
  TempDir dir;
  int listener_port = pickFreePort();
  dir.writeFile("resources/all/resources.yaml", absl::StrCat(R"(
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: outbound
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                                                             listener_port, R"( } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        stat_prefix: outbound
        cluster: backend
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: backend
  connect_timeout: 1s
  load_assignment:
    cluster_name: backend
    endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                                                             echo.port(), R"( } } } } ] } ]
)"));
  MeshControlProcess control(dir.filePath("resources"));
  ASSERT_TRUE(control.ready());
  std::string yaml =
      adsBootstrapYaml("node: { id: sidecar-1, cluster: web }", "127.0.0.1", control.grpcPort());
  for (const std::string& cut : {"    transport_api_version: V3\n", ", resource_api_version: V3"}) {
    while (yaml.find(cut) != std::string::npos) yaml.erase(yaml.find(cut), cut.size());
  }
  ASSERT_THAT(yaml, ::testing::Not(HasSubstr("api_version")));
  MeshproxyProcess proxy(yaml);
  ASSERT_TRUE(proxy.ready());
  EXPECT_TRUE(waitUntil([&] { return echoes(listener_port); }, absl::Seconds(5)));
}

}  // namespace
}  // namespace meshproxy::testing
