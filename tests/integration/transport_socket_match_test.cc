// Cluster.transport_socket_matches as Istio uses it: one cluster, two endpoints; the one
// labelled tlsMode: istio is reached over mTLS (through a server sidecar), the other in plain
// text (the app directly). Both answer through the same client sidecar.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/tls_test_util.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

TEST(TransportSocketMatchTest, MtlsToIstioEndpointsPlainTextToTheOthers) {
  TestServerProcess app{{.mode = "http", .name = "app"}};
  ASSERT_TRUE(app.ready());
  TestPki pki;
  CertFiles backend =
      pki.issue("backend",
                {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
  CertFiles frontend =
      pki.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
  const int server_port = pickFreePort();
  const int client_port = pickFreePort();

  // The server sidecar: mTLS in, the client identity forwarded to the app (so a response
  // says which way it came).
  MeshproxyProcess server(tlsBootstrapYaml(
      {{.port = server_port,
        .transport_socket = downstreamTls(backend, pki.caPath(), true, {kFrontendId}),
        .hcm_extra = "forward_client_cert_details: SANITIZE_SET, "
                     "set_current_client_cert_details: {uri: true}, "}},
      {{.name = "app", .port = app.port()}}));
  ASSERT_TRUE(server.ready());

  std::string yaml = tlsBootstrapYaml(
      {{.name = "outbound", .port = client_port, .stat_prefix = "outbound", .cluster = "reviews"}},
      {});
  yaml += fmt::format(
      "  - name: reviews\n"
      "    connect_timeout: 2s\n"
      "    metadata: {{filter_metadata: {{istio: {{services: [{{name: reviews}}]}}}}}}\n"
      "    load_assignment:\n"
      "      cluster_name: reviews\n"
      "      endpoints:\n"
      "      - lb_endpoints:\n"
      "        - endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: "
      "{}}}}}}}\n"
      "          metadata: {{filter_metadata: {{envoy.transport_socket_match: {{tlsMode: istio}},"
      " istio: {{workload: reviews-v1}}}}}}\n"
      "        - endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: "
      "{}}}}}}}\n"
      "    transport_socket_matches:\n"
      "    - name: tlsMode-istio\n"
      "      match: {{tlsMode: istio}}\n"
      "      transport_socket: {}\n"
      "    - name: tlsMode-disabled\n"
      "      match: {{}}\n"
      "      transport_socket: {{name: envoy.transport_sockets.raw_buffer, typed_config: "
      "{{\"@type\": type.googleapis.com/"
      "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer}}}}\n",
      server_port, app.port(), upstreamTls(&frontend, pki.caPath(), {kBackendId}, "backend.test"));
  MeshproxyProcess client(yaml);
  ASSERT_TRUE(client.ready());

  int via_mtls = 0;
  int direct = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = httpRequest("127.0.0.1", client_port, "GET", "/r", {}, "", absl::Seconds(10));
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    if (r.body.find(std::string("URI=") + kFrontendId) != std::string::npos) {
      ++via_mtls;
    } else {
      ++direct;
    }
  }
  // Round robin over the two endpoints (per worker): a worker that took at least 4 of the 8
  // requests sent at least 2 each way.
  EXPECT_GE(via_mtls, 2);
  EXPECT_GE(direct, 2);
  EXPECT_GE(client.counterValue("cluster.reviews.ssl.handshake").value_or(0), 1);
  EXPECT_GE(server.counterValue("listener.inbound.ssl.handshake").value_or(0), 1);

  // The metadata is in /config_dump as configured.
  auto dump = client.adminGet("/config_dump");
  ASSERT_EQ(dump.status, 200);
  EXPECT_THAT(dump.body, HasSubstr("envoy.transport_socket_match"));
  EXPECT_THAT(dump.body, HasSubstr("reviews-v1"));
}

}  // namespace
}  // namespace meshproxy::testing
