// The delta (incremental) ADS client and the gRPC source options, request by request against a
// server the test drives, and end to end against mesh-control:
//  - DELTA_GRPC: the first requests (clusters first, the node once, wildcard for CDS/LDS, the
//    subscriptions of RDS/EDS), ACK by nonce, NACK with error_detail while the last good
//    config keeps serving, removal by name, and initial_resource_versions after a reconnect;
//  - the ADS server on a Unix domain socket; grpc_services[].initial_metadata reaches it (as
//    Consul's x-consul-token does); set_node_on_first_message_only false puts the node on
//    every request;
//  - mesh-control serving delta over a Unix socket to meshproxy: a listener added, changed and
//    removed through the resource directory, a bad one NACKed (seen in /nodes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/xds_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/fake_ads_server.h"
#include "tests/support/mesh_control_process.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPreamble[] =
    "node: { id: sidecar-1, cluster: web, metadata: { NAMESPACE: default } }";

std::vector<std::string> subscribed(const DeltaDiscoveryRequest& r) {
  return {r.resource_names_subscribe().begin(), r.resource_names_subscribe().end()};
}

class XdsDeltaTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(upstream_.ready()); }

  void startProxy(AdsBootstrap bootstrap) {
    bootstrap.preamble = kPreamble;
    proxy_ = std::make_unique<MeshproxyProcess>(
        adsBootstrapYaml(bootstrap), MeshproxyOptions{.concurrency = 1, .wait_ready = false});
    ASSERT_TRUE(ads_->waitForStream());
  }

  // CDS (EDS cluster "backend"), its endpoints, LDS (listener "web" with RDS "main"), routes.
  void configure() {
    auto cds = ads_->waitDeltaRequest(kCds);
    ASSERT_TRUE(cds.has_value());
    EXPECT_EQ(cds->node().id(), "sidecar-1");
    EXPECT_THAT(subscribed(*cds), IsEmpty()) << "CDS is a wildcard subscription";
    std::string n1 = ads_->respondDelta(kCds, "c1", {{"backend", "v1", edsCluster("backend")}});
    auto ack = ads_->waitDeltaRequest(kCds);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->response_nonce(), n1);
    EXPECT_FALSE(ack->has_error_detail());

    auto eds = ads_->waitDeltaRequest(kEds);
    ASSERT_TRUE(eds.has_value());
    EXPECT_THAT(subscribed(*eds), ElementsAre("backend"));
    ads_->respondDelta(kEds, "e1", {{"backend", "v1", endpoints("backend", upstream_.port())}});
    ASSERT_TRUE(ads_->waitDeltaRequest(kEds).has_value());  // ACK

    auto lds = ads_->waitDeltaRequest(kLds);
    ASSERT_TRUE(lds.has_value());
    ads_->respondDelta(kLds, "l1", {{"web", "v1", rdsListener("web", listener_port_, "main")}});
    ASSERT_TRUE(ads_->waitDeltaRequest(kLds).has_value());
    auto rds = ads_->waitDeltaRequest(kRds);
    ASSERT_TRUE(rds.has_value());
    EXPECT_THAT(subscribed(*rds), ElementsAre("main"));
    std::string n4 =
        ads_->respondDelta(kRds, "r1", {{"main", "v1", routeConfig("main", "backend")}});
    auto rds_ack = ads_->waitDeltaRequest(kRds);
    ASSERT_TRUE(rds_ack.has_value());
    EXPECT_EQ(rds_ack->response_nonce(), n4);
    ASSERT_TRUE(proxy_->waitReady(absl::Seconds(5)));
  }

  TempDir dir_;
  std::unique_ptr<FakeAdsServer> ads_ = std::make_unique<FakeAdsServer>();
  TestServerProcess upstream_{{.mode = "http", .name = "backend"}};
  TestServerProcess other_{{.mode = "http", .name = "other"}};
  int listener_port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(XdsDeltaTest, AddUpdateRemoveWithAckAndNack) {
  ASSERT_TRUE(other_.ready());
  startProxy({.xds_port = ads_->port(), .api_type = "DELTA_GRPC"});
  configure();
  EXPECT_EQ(ads_->lastMethod(), "DeltaAggregatedResources");
  auto r = httpGet("127.0.0.1", listener_port_, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(jsonField(r.body, "server"), "backend");
  EXPECT_EQ(proxy_->counterValue("control_plane.connected_state"), 1);

  // Add a cluster (only the new one is sent: the others stay), then update the route to it.
  std::string n = ads_->respondDelta(
      kCds, "c2",
      {{"other", "v1",
        anyFromYaml(absl::StrCat(
            "\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n"
            "name: other\nconnect_timeout: 1s\nload_assignment: { cluster_name: other, "
            "endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { "
            "address: 127.0.0.1, port_value: ",
            other_.port(), " } } } } ] } ] }\n"))}});
  auto ack = ads_->waitDeltaRequest(kCds);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->response_nonce(), n);
  EXPECT_FALSE(ack->has_error_detail());
  ads_->respondDelta(kRds, "r2", {{"main", "v2", routeConfig("main", "other")}});
  ASSERT_TRUE(ads_->waitDeltaRequest(kRds).has_value());
  EXPECT_TRUE(waitUntil(
      [&] {
        return jsonField(httpGet("127.0.0.1", listener_port_, "/").body, "server") == "other";
      },
      absl::Seconds(5)));
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, "/").status, 200) << "backend still there";

  // NACK: a bad route table is refused with the reason; the last good one keeps serving.
  std::string bad =
      ads_->respondDelta(kRds, "r3", {{"main", "v3", routeConfig("main", "other", "(unclosed")}});
  auto nack = ads_->waitDeltaRequest(kRds);
  ASSERT_TRUE(nack.has_value());
  EXPECT_EQ(nack->response_nonce(), bad);
  ASSERT_TRUE(nack->has_error_detail());
  EXPECT_THAT(nack->error_detail().message(), HasSubstr("(unclosed"));
  EXPECT_EQ(jsonField(httpGet("127.0.0.1", listener_port_, "/").body, "server"), "other");
  EXPECT_EQ(proxy_->counterValue("control_plane.rds.update_rejected"), 1);
  // A resource sent under another name than its own is refused too.
  std::string misnamed = ads_->respondDelta(kCds, "c3", {{"alias", "v1", edsCluster("real")}});
  auto nack2 = ads_->waitDeltaRequest(kCds);
  ASSERT_TRUE(nack2.has_value());
  EXPECT_EQ(nack2->response_nonce(), misnamed);
  EXPECT_THAT(nack2->error_detail().message(), HasSubstr("'alias'"));

  // Remove the listener by name: its port closes.
  std::string rm = ads_->respondDelta(kLds, "l2", {}, {"web"});
  auto rm_ack = ads_->waitDeltaRequest(kLds);
  ASSERT_TRUE(rm_ack.has_value());
  EXPECT_EQ(rm_ack->response_nonce(), rm);
  EXPECT_FALSE(rm_ack->has_error_detail());
  EXPECT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", listener_port_, "/").status == 0; },
                        absl::Seconds(10)));
  // The route table nobody uses any more is unsubscribed.
  auto unsub = ads_->waitDeltaRequest(kRds);
  ASSERT_TRUE(unsub.has_value());
  EXPECT_THAT(std::vector<std::string>(unsub->resource_names_unsubscribe().begin(),
                                       unsub->resource_names_unsubscribe().end()),
              ElementsAre("main"));
}

TEST_F(XdsDeltaTest, ReconnectSendsTheVersionsItHolds) {
  startProxy({.xds_port = ads_->port(), .api_type = "DELTA_GRPC"});
  configure();
  ads_->closeStream();
  ASSERT_TRUE(ads_->waitForStream(absl::Seconds(10)));
  auto cds = ads_->waitDeltaRequest(kCds);
  ASSERT_TRUE(cds.has_value());
  EXPECT_THAT(subscribed(*cds), ElementsAre("*")) << "a resumed wildcard says so explicitly";
  EXPECT_EQ(cds->initial_resource_versions().at("backend"), "v1");
  auto eds = ads_->waitDeltaRequest(kEds);
  ASSERT_TRUE(eds.has_value());
  EXPECT_THAT(subscribed(*eds), ElementsAre("backend"));
  EXPECT_EQ(eds->initial_resource_versions().at("backend"), "v1");
  // Serving went on meanwhile.
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, "/").status, 200);
}

TEST_F(XdsDeltaTest, UnixSocketInitialMetadataAndTheNodeOnEveryRequest) {
  std::string socket = dir_.filePath("xds.sock");
  ads_ = std::make_unique<FakeAdsServer>("unix:" + socket);
  startProxy({.xds_pipe = socket,
              .api_type = "GRPC",
              .set_node_on_first_message_only = false,
              .initial_metadata = "[ { key: x-consul-token, value: secret-token } ]"});
  auto metadata = ads_->lastMetadata();
  ASSERT_TRUE(metadata.contains("x-consul-token"));
  EXPECT_EQ(metadata.find("x-consul-token")->second, "secret-token");
  EXPECT_EQ(ads_->lastMethod(), "StreamAggregatedResources");
  auto cds = ads_->waitRequest(kCds);
  ASSERT_TRUE(cds.has_value());
  EXPECT_EQ(cds->node().id(), "sidecar-1");
  auto lds = ads_->waitRequest(kLds);
  ASSERT_TRUE(lds.has_value());
  EXPECT_EQ(lds->node().id(), "sidecar-1") << "set_node_on_first_message_only: false";
  // Traffic configured over the Unix socket.
  ads_->respond(kCds, "c1", {edsCluster("backend")});
  ASSERT_TRUE(ads_->waitRequest(kEds).has_value());
  ads_->respond(kEds, "e1", {endpoints("backend", upstream_.port())});
  ads_->respond(kLds, "l1", {rdsListener("web", listener_port_, "main")});
  ASSERT_TRUE(ads_->waitRequest(kRds).has_value());
  ads_->respond(kRds, "r1", {routeConfig("main", "backend")});
  ASSERT_TRUE(proxy_->waitReady(absl::Seconds(5)));
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, "/").status, 200);
}

TEST(XdsSourceConfigTest, BadInitialMetadataAndApiTypesAreConfigErrors) {
  TempDir dir;
  auto validate = [&](const AdsBootstrap& b) {
    return runCommand({binPath("meshproxy"), "--mode", "validate", "-c",
                       dir.writeFile("b.yaml", adsBootstrapYaml(b))},
                      absl::Seconds(20));
  };
  auto r = validate(
      {.preamble = kPreamble, .xds_port = 1, .initial_metadata = "[ { key: X-Upper, value: v } ]"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("initial_metadata[0]"));
  r = validate({.preamble = kPreamble, .xds_port = 1, .api_type = "REST"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("api_type REST"));
  r = validate({.preamble = kPreamble, .xds_port = 1, .api_type = "DELTA_GRPC"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("ADS to ipv4:127.0.0.1:1 (delta, CDS, LDS)"));
}

TEST(SdsApiConfigSourceTest, SecretFromItsOwnSdsServerOnAUnixSocket) {
  constexpr char kSds[] = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  TestServerProcess app({.mode = "http", .name = "app"});
  ASSERT_TRUE(app.ready());
  TempDir dir;
  std::string socket = dir.filePath("sds.sock");
  FakeAdsServer sds("unix:" + socket);
  int port = pickFreePort();
  std::string yaml = absl::StrCat(R"(
node: { id: sds-client }
static_resources:
  listeners:
  - name: tls
    address: { socket_address: { address: 127.0.0.1, port_value: )",
                                  port, R"( } }
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_certificate_sds_secret_configs:
            - name: default
              sds_config:
                resource_api_version: V3
                api_config_source:
                  api_type: GRPC
                  transport_api_version: V3
                  set_node_on_first_message_only: true
                  grpc_services: [ { envoy_grpc: { cluster_name: sds-grpc }, initial_metadata: [ { key: x-token, value: t1 } ] } ]
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: tls
          route_config: { virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: app } } ] } ] }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: app
    connect_timeout: 1s
    load_assignment: { cluster_name: app, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                                  app.port(), R"( } } } } ] } ] }
  - name: sds-grpc
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment: { cluster_name: sds-grpc, endpoints: [ { lb_endpoints: [ { endpoint: { address: { pipe: { path: ")",
                                  socket, R"(" } } } } ] } ] }
)");
  MeshproxyProcess proxy(yaml, {.concurrency = 1, .wait_ready = false});
  ASSERT_TRUE(sds.waitForStream());
  EXPECT_EQ(sds.lastMethod(), "StreamSecrets");
  auto metadata = sds.lastMetadata();
  ASSERT_TRUE(metadata.contains("x-token"));
  EXPECT_EQ(metadata.find("x-token")->second, "t1");
  auto request = sds.waitRequest(kSds);
  ASSERT_TRUE(request.has_value());
  EXPECT_THAT(names(*request), ElementsAre("default"));
  EXPECT_EQ(request->node().id(), "sds-client");
  TestCa ca("sds api test root");
  auto secret = [&](uint64_t serial) {
    CertAndKey pair = ca.issue({.dns_sans = {"backend.test"}, .serial = serial});
    envoy::extensions::transport_sockets::tls::v3::Secret s;
    s.set_name("default");
    s.mutable_tls_certificate()->mutable_certificate_chain()->set_inline_string(pair.cert_pem);
    s.mutable_tls_certificate()->mutable_private_key()->set_inline_string(pair.key_pem);
    google::protobuf::Any any;
    any.PackFrom(s);
    return any;
  };
  std::string nonce = sds.respond(kSds, "s1", {secret(0x1001)});
  auto ack = sds.waitRequest(kSds);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->version_info(), "s1");
  EXPECT_EQ(ack->response_nonce(), nonce);
  EXPECT_FALSE(ack->has_node()) << "set_node_on_first_message_only";
  ASSERT_TRUE(proxy.waitReady(absl::Seconds(5)));
  auto serial = [&] {
    return runCommand({"sh", "-c",
                       absl::StrCat("openssl s_client -connect 127.0.0.1:", port,
                                    " </dev/null 2>/dev/null | openssl x509 -noout -serial")},
                      absl::Seconds(20))
        .stdout_text;
  };
  EXPECT_THAT(serial(), HasSubstr("serial=1001"));
  sds.respond(kSds, "s2", {secret(0x2002)});
  ASSERT_TRUE(sds.waitRequest(kSds).has_value());
  EXPECT_THAT(serial(), HasSubstr("serial=2002"));
  EXPECT_EQ(proxy.counterValue("control_plane.sds.update_success"), 2);
}

// --- mesh-control serving delta -------------------------------------------------------------

std::string httpListener(int port, const std::string& header) {
  return absl::StrCat(R"(- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: web
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: web
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes: [ { match: { prefix: / }, route: { cluster: backend } } ]
            response_headers_to_add: [ { header: { key: x-config, value: )",
                      header, R"( } } ]
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)");
}

std::string edsBackend(int port) {
  return absl::StrCat(R"(- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: backend
  type: EDS
  connect_timeout: 1s
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
- "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
  cluster_name: backend
  endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } } } } ] } ]
)");
}

// Replaces a resource file the way an editor does (write, rename), so mesh-control reads it whole.
void replaceFile(TempDir& dir, const std::string& name, const std::string& content) {
  std::string tmp = dir.writeFile(name + ".tmp", content);
  ASSERT_EQ(std::rename(tmp.c_str(), dir.filePath(name).c_str()), 0);
}

TEST(MeshControlDeltaTest, ListenerAddedChangedRemovedOverAUnixSocket) {
  TestServerProcess backend({.mode = "http", .name = "backend"});
  ASSERT_TRUE(backend.ready());
  TempDir dir;
  int port = pickFreePort();
  int admin = pickFreePort();
  std::string socket = dir.filePath("xds.sock");
  dir.writeFile("resources/all/backend.yaml", edsBackend(backend.port()));
  Process control({binPath("mesh-control"), "--listen", "unix:" + socket, "--resources",
                   dir.filePath("resources"), "--admin", absl::StrCat("127.0.0.1:", admin),
                   "--log-level", "debug"});
  ASSERT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", admin, "/ready").status == 200; },
                        absl::Seconds(10)))
      << control.stderrTail();
  MeshproxyProcess proxy(
      adsBootstrapYaml({.preamble = kPreamble, .xds_pipe = socket, .api_type = "DELTA_GRPC"}),
      {.concurrency = 1});
  ASSERT_TRUE(proxy.ready()) << control.stderrTail();
  auto nodes = [&] { return httpGet("127.0.0.1", admin, "/nodes").body; };
  EXPECT_THAT(nodes(), HasSubstr("DeltaAggregatedResources"));

  // Add.
  replaceFile(dir, "resources/all/listener.yaml", httpListener(port, "one"));
  EXPECT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", port, "/").header("x-config") == "one"; },
                        absl::Seconds(10)))
      << control.stderrTail();
  // Update.
  replaceFile(dir, "resources/all/listener.yaml", httpListener(port, "two"));
  EXPECT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", port, "/").header("x-config") == "two"; },
                        absl::Seconds(10)));
  // NACK: a route with a regex RE2 refuses; the listener keeps serving and mesh-control shows
  // the NACK.
  std::string bad = httpListener(port, "three");
  bad.replace(bad.find("prefix: /"), 9, "safe_regex: { regex: \"(unclosed\" }");
  replaceFile(dir, "resources/all/listener.yaml", bad);
  EXPECT_TRUE(
      waitUntil([&] { return nodes().find("(unclosed") != std::string::npos; }, absl::Seconds(10)))
      << nodes();
  EXPECT_TRUE(proxy.waitForCounterAtLeast("listener_manager.lds.update_rejected", 1));
  EXPECT_EQ(httpGet("127.0.0.1", port, "/").header("x-config"), "two");
  // Remove.
  ASSERT_EQ(std::remove(dir.filePath("resources/all/listener.yaml").c_str()), 0);
  EXPECT_TRUE(
      waitUntil([&] { return httpGet("127.0.0.1", port, "/").status == 0; }, absl::Seconds(10)));
  EXPECT_EQ(proxy.counterValue("control_plane.connected_state"), 1);
}

}  // namespace
}  // namespace meshproxy::testing
