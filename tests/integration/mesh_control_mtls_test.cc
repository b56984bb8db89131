// Two meshproxy sidecars whose identities come from mesh-control's CA: client sidecar → mTLS
// (SDS `default` + `ROOTCA`, SPIFFE SAN checked both ways) → server sidecar → app. Also:
// rotation under load with a short --cert-ttl, and a root that survives a restart.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/http_client.h"
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

constexpr char kClientId[] = "spiffe://cluster.local/ns/shop/sa/frontend";
constexpr char kServerId[] = "spiffe://cluster.local/ns/shop/sa/backend";

std::string sidecarBootstrap(const std::string& node_id, const std::string& service_account,
                             int ads_port) {
  return adsBootstrapYaml(
      absl::StrCat("node: { id: ", node_id, ", cluster: ", service_account,
                   ", metadata: { NAMESPACE: shop, SERVICE_ACCOUNT: ", service_account, " } }"),
      "127.0.0.1", ads_port);
}

// The workload certificate and the root from mesh-control, the peer's SPIFFE ID required.
std::string commonTlsContext(const std::string& peer_id) {
  return absl::StrCat(
      "{ tls_certificate_sds_secret_configs: [ { name: default, sds_config: { ads: {}, "
      "resource_api_version: V3 } } ], combined_validation_context: { "
      "default_validation_context: { match_typed_subject_alt_names: [ { san_type: URI, matcher: "
      "{ exact: \"",
      peer_id,
      "\" } } ] }, validation_context_sds_secret_config: { name: ROOTCA, sds_config: { ads: {}, "
      "resource_api_version: V3 } } } }");
}

std::string httpListener(const std::string& name, int port, const std::string& cluster,
                         const std::string& transport_socket, const std::string& hcm_extra) {
  std::string out = absl::StrCat(R"(- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: )",
                                 name, R"(
  stat_prefix: )",
                                 name, R"(
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                                 port, R"( } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: )",
                                 name, "\n        ", hcm_extra, R"(
        route_config: { virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: )",
                                 cluster, R"( } } ] } ] }
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)");
  if (!transport_socket.empty())
    absl::StrAppend(&out, "    transport_socket: ", transport_socket, "\n");
  return out;
}

std::string staticCluster(const std::string& name, int port, const std::string& extra) {
  return absl::StrCat(
      R"(- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: )",
      name, R"(
  type: STATIC
  connect_timeout: 2s
  load_assignment: { cluster_name: )",
      name,
      R"(, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
      port, R"( } } } } ] } ] }
)",
      extra);
}

class MeshControlMtlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ignoreSigpipe();
    ASSERT_TRUE(app_.ready());
    // Server sidecar: STRICT mTLS inbound, only the client's identity, XFCC to the app.
    dir_.writeFile(
        "resources/nodes/server/resources.yaml",
        httpListener("inbound", server_port_, "app",
                     absl::StrCat("{ name: envoy.transport_sockets.tls, typed_config: { \"@type\": "
                                  "type.googleapis.com/"
                                  "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
                                  "require_client_certificate: true, common_tls_context: ",
                                  commonTlsContext(kClientId), " } }"),
                     "forward_client_cert_details: SANITIZE_SET\n        "
                     "set_current_client_cert_details: { uri: true }") +
            staticCluster("app", app_.port(), ""));
    // Client sidecar: plaintext outbound from the app, mTLS to the server sidecar. A few
    // requests per upstream connection, so new handshakes keep happening under load.
    dir_.writeFile(
        "resources/nodes/client/resources.yaml",
        httpListener("outbound", client_port_, "backend", "", "") +
            staticCluster(
                "backend", server_port_,
                absl::StrCat(
                    "  transport_socket: { name: envoy.transport_sockets.tls, typed_config: { "
                    "\"@type\": "
                    "type.googleapis.com/"
                    "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, "
                    "common_tls_context: ",
                    commonTlsContext(kServerId),
                    " } }\n"
                    "  typed_extension_protocol_options:\n"
                    "    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                    "      \"@type\": "
                    "type.googleapis.com/"
                    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                    "      common_http_protocol_options: { max_requests_per_connection: 20 }\n"
                    "      explicit_http_config: { http_protocol_options: {} }\n")));
  }

  void TearDown() override {
    if (HasFailure() && control_) {
      std::fprintf(stderr, "mesh-control stderr:\n%s\n", control_->stderrTail(8192).c_str());
    }
  }

  void startControl(const std::string& ttl = "24h") {
    control_ = std::make_unique<Process>(std::vector<std::string>{
        binPath("mesh-control"), "--listen", absl::StrCat("127.0.0.1:", grpc_port_), "--resources",
        dir_.filePath("resources"), "--admin", absl::StrCat("127.0.0.1:", admin_port_), "--ca-dir",
        dir_.filePath("ca"), "--cert-ttl", ttl});
    ASSERT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", admin_port_, "/ready").status == 200; },
                          absl::Seconds(10)))
        << control_->stderrTail();
  }

  void startSidecars() {
    server_ = std::make_unique<MeshproxyProcess>(sidecarBootstrap("server", "backend", grpc_port_),
                                                 MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(server_->ready());
    client_ = std::make_unique<MeshproxyProcess>(sidecarBootstrap("client", "frontend", grpc_port_),
                                                 MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(client_->ready());
  }

  // The serial of the certificate the server sidecar presents to a new handshake. Without a
  // client certificate the handshake then fails, but TLS 1.3 shows the server's first.
  std::string serverSerial() {
    auto r = runCommand({"sh", "-c",
                         absl::StrCat("openssl s_client -connect 127.0.0.1:", server_port_,
                                      " </dev/null 2>/dev/null | openssl x509 -noout -serial")},
                        absl::Seconds(10));
    auto pos = r.stdout_text.find("serial=");
    if (pos == std::string::npos) return "";
    std::string serial = r.stdout_text.substr(pos + 7);
    while (!serial.empty() && (serial.back() == '\n' || serial.back() == '\r')) serial.pop_back();
    return serial;
  }

  // The certificate mesh-control reports for a node in /nodes.
  std::string nodeCertificateField(const std::string& node_id, const std::string& field) {
    google::protobuf::Struct root;
    auto r = httpGet("127.0.0.1", admin_port_, "/nodes");
    if (!google::protobuf::util::JsonStringToMessage(r.body, &root).ok()) return "";
    for (const auto& node : root.fields().at("nodes").list_value().values()) {
      const auto& f = node.struct_value().fields();
      if (f.at("id").string_value() != node_id || !f.at("connected").bool_value()) continue;
      auto it = f.find("certificate");
      if (it == f.end() || !it->second.has_struct_value()) return "";
      auto c = it->second.struct_value().fields().find(field);
      return c == it->second.struct_value().fields().end() ? "" : c->second.string_value();
    }
    return "";
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  TempDir dir_;
  int grpc_port_ = pickFreePort();
  int admin_port_ = pickFreePort();
  int client_port_ = pickFreePort();
  int server_port_ = pickFreePort();
  std::unique_ptr<Process> control_;
  std::unique_ptr<MeshproxyProcess> server_;
  std::unique_ptr<MeshproxyProcess> client_;
};

TEST_F(MeshControlMtlsTest, SidecarsTalkMutualTlsWithSpiffeIdentities) {
  startControl();
  startSidecars();
  auto r = httpGet("127.0.0.1", client_port_, "/hello");
  ASSERT_EQ(r.status, 200) << r.body << r.error;
  EXPECT_EQ(jsonField(r.body, "server"), "app");
  EXPECT_THAT(jsonField(r.body, "x-forwarded-client-cert"),
              HasSubstr(absl::StrCat("URI=", kClientId)));
  EXPECT_TRUE(server_->waitForCounterAtLeast("listener.inbound.ssl.handshake", 1));
  EXPECT_TRUE(client_->waitForCounterAtLeast("cluster.backend.ssl.handshake", 1));

  // The middle hop is TLS only: plaintext HTTP to the server sidecar gets no response.
  auto plain = httpGet("127.0.0.1", server_port_, "/", absl::Seconds(3));
  EXPECT_EQ(plain.status, 0) << plain.body;
  EXPECT_GE(server_->counterValue("listener.inbound.ssl.connection_error").value_or(0), 1);

  // /nodes shows each node's identity; the server presents the certificate it reports.
  EXPECT_EQ(nodeCertificateField("client", "spiffe_id"), kClientId);
  EXPECT_EQ(nodeCertificateField("server", "spiffe_id"), kServerId);
  EXPECT_EQ(serverSerial(), nodeCertificateField("server", "serial"));

  // The root was created with a private key only its owner can read.
  struct stat st {};
  ASSERT_EQ(::stat(dir_.filePath("ca/root-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(MeshControlMtlsTest, RotationUnderLoadFailsNoRequest) {
  startControl("4s");  // re-issued every 2 s
  startSidecars();
  std::set<std::string> serials;
  int ok = 0, failed = 0;
  std::string first_failure;
  absl::Time end = absl::Now() + absl::Seconds(20);
  absl::Time next_probe = absl::Now();
  // Bounded: at most 50000 requests, and 20 s.
  for (int i = 0; i < 50000 && absl::Now() < end; ++i) {
    auto r = httpGet("127.0.0.1", client_port_, "/load", absl::Seconds(5));
    if (r.status == 200) {
      ++ok;
    } else {
      if (failed++ == 0) first_failure = absl::StrCat(r.status, " ", r.error, " ", r.body);
    }
    if (absl::Now() >= next_probe) {
      if (auto s = serverSerial(); !s.empty()) serials.insert(s);
      next_probe = absl::Now() + absl::Milliseconds(500);
    }
  }
  EXPECT_EQ(failed, 0) << first_failure;
  EXPECT_GT(ok, 100);
  // 20 s at one rotation per 2 s: new handshakes saw many certificates.
  EXPECT_GE(serials.size(), 5u);
  EXPECT_GE(server_->counterValue("control_plane.sds.update_success").value_or(0), 8);
  std::fprintf(stderr, "rotation under load: %d requests ok, %d failed, %zu server serials seen\n",
               ok, failed, serials.size());
}

TEST_F(MeshControlMtlsTest, RootSurvivesARestart) {
  startControl();
  std::string root = readFileText(dir_.filePath("ca/root-cert.pem"));
  ASSERT_THAT(root, HasSubstr("BEGIN CERTIFICATE"));
  control_->stop();
  startControl();
  EXPECT_EQ(readFileText(dir_.filePath("ca/root-cert.pem")), root);
  EXPECT_THAT(control_->stderrText(), HasSubstr("CA: loaded root"));
  // And sidecars get certificates from it.
  startSidecars();
  EXPECT_EQ(httpGet("127.0.0.1", client_port_, "/").status, 200);
}

}  // namespace
}  // namespace meshproxy::testing
