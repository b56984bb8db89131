// mesh-control driving a real meshproxy sidecar over ADS: the sidecar gets its listeners,
// clusters and endpoints from the resource directory, follows file changes, and its ACKs and
// NACKs show up in mesh-control's /nodes.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
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

constexpr char kLds[] = "type.googleapis.com/envoy.config.listener.v3.Listener";
constexpr char kCds[] = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
constexpr char kEds[] = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

std::string sidecarBootstrap(int ads_port) {
  return adsBootstrapYaml("node: { id: sidecar-1, cluster: web, metadata: { NAMESPACE: default } }",
                          "127.0.0.1", ads_port);
}

std::string tcpListener(const std::string& name, int port, const std::string& extra = "") {
  return absl::StrCat(R"(- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: )",
                      name, R"(
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } }
)",
                      extra, R"(  filter_chains:
  - filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        stat_prefix: )",
                      name, R"(
        cluster: backend
)");
}

std::string backend(int port) {
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

bool echoes(int port) {
  TcpClient c;
  if (!c.connect("127.0.0.1", port, absl::Seconds(2))) return false;
  if (!c.sendAll("ping")) return false;
  return c.recvExactly(4, absl::Seconds(2)) == "ping";
}

class MeshControlWithMeshproxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ignoreSigpipe();
    ASSERT_TRUE(echo_.ready());
    dir_.writeFile("resources/all/listeners.yaml", tcpListener("outbound", listener_port_));
    dir_.writeFile("resources/all/backend.yaml", backend(echo_.port()));
    control_ = std::make_unique<Process>(std::vector<std::string>{
        binPath("mesh-control"), "--listen", absl::StrCat("127.0.0.1:", grpc_port_), "--resources",
        dir_.filePath("resources"), "--admin", absl::StrCat("127.0.0.1:", admin_port_),
        "--log-level", "debug"});
    ASSERT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", admin_port_, "/ready").status == 200; },
                          absl::Seconds(10)))
        << control_->stderrTail();
    proxy_ = std::make_unique<MeshproxyProcess>(sidecarBootstrap(grpc_port_));
    ASSERT_TRUE(proxy_->ready());
  }

  void TearDown() override {
    if (HasFailure() && control_) {
      std::fprintf(stderr, "mesh-control stderr:\n%s\n", control_->stderrTail(8192).c_str());
    }
  }

  // The type entry of sidecar-1's connected stream in /nodes (empty if absent).
  google::protobuf::Struct sidecarType(const std::string& type_url) {
    google::protobuf::Struct root;
    auto r = httpGet("127.0.0.1", admin_port_, "/nodes");
    if (!google::protobuf::util::JsonStringToMessage(r.body, &root).ok()) return {};
    for (const auto& node : root.fields().at("nodes").list_value().values()) {
      const auto& f = node.struct_value().fields();
      if (f.at("id").string_value() != "sidecar-1" || !f.at("connected").bool_value()) continue;
      for (const auto& t : f.at("types").list_value().values()) {
        if (t.struct_value().fields().at("type_url").string_value() == type_url) {
          return t.struct_value();
        }
      }
    }
    return {};
  }
  static std::string field(const google::protobuf::Struct& s, const std::string& name) {
    auto it = s.fields().find(name);
    return it == s.fields().end() ? "" : it->second.string_value();
  }
  bool acked(const std::string& type_url) {
    auto t = sidecarType(type_url);
    return !field(t, "version_sent").empty() &&
           field(t, "acked_version") == field(t, "version_sent");
  }

  // Rewrites a resource file the way editors and `kubectl cp` do: a new file renamed in place.
  void replaceFile(const std::string& name, std::string_view content) {
    std::string tmp = dir_.writeFile(name + ".tmp-new", content);
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.filePath(name).c_str()), 0);
  }

  TestServerProcess echo_{"echo"};
  TempDir dir_;
  int grpc_port_ = pickFreePort();
  int admin_port_ = pickFreePort();
  int listener_port_ = pickFreePort();
  std::unique_ptr<Process> control_;
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(MeshControlWithMeshproxyTest, SidecarIsConfiguredAndAcks) {
  EXPECT_TRUE(waitUntil([&] { return echoes(listener_port_); }, absl::Seconds(5)));
  EXPECT_TRUE(
      waitUntil([&] { return acked(kLds) && acked(kCds) && acked(kEds); }, absl::Seconds(5)))
      << httpGet("127.0.0.1", admin_port_, "/nodes").body;
}

TEST_F(MeshControlWithMeshproxyTest, SidecarFollowsFileChanges) {
  ASSERT_TRUE(waitUntil([&] { return acked(kLds); }, absl::Seconds(5)));
  std::string before = field(sidecarType(kLds), "acked_version");
  int second_port = pickFreePort();
  replaceFile("resources/all/listeners.yaml",
              tcpListener("outbound", listener_port_) + tcpListener("second", second_port));
  EXPECT_TRUE(waitUntil([&] { return echoes(second_port); }, absl::Seconds(5)));
  EXPECT_TRUE(waitUntil([&] { return acked(kLds); }, absl::Seconds(5)));
  EXPECT_NE(field(sidecarType(kLds), "acked_version"), before);
  EXPECT_TRUE(echoes(listener_port_));
}

TEST_F(MeshControlWithMeshproxyTest, SidecarNackIsShownAndOldConfigKeepsWorking) {
  ASSERT_TRUE(waitUntil([&] { return acked(kLds); }, absl::Seconds(5)));
  std::string good = field(sidecarType(kLds), "acked_version");
  // Valid for the proto, not supported by meshproxy: the sidecar rejects it.
  replaceFile("resources/all/listeners.yaml",
              tcpListener("outbound", listener_port_,
                          "  connection_balance_config: { exact_balance: {} }\n"));
  ASSERT_TRUE(waitUntil(
      [&] {
        return sidecarType(kLds).fields().contains("last_nack") &&
               sidecarType(kLds).fields().at("last_nack").has_struct_value();
      },
      absl::Seconds(5)))
      << httpGet("127.0.0.1", admin_port_, "/nodes").body;
  auto type = sidecarType(kLds);
  EXPECT_THAT(type.fields().at("last_nack").struct_value().fields().at("message").string_value(),
              HasSubstr("connection_balance_config"));
  EXPECT_EQ(field(type, "acked_version"), good);
  EXPECT_TRUE(echoes(listener_port_));

  auto status = runCommand(
      {binPath("mesh-control"), "status", "--admin", absl::StrCat("127.0.0.1:", admin_port_)},
      absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.stderr_text;
  EXPECT_THAT(status.stdout_text, HasSubstr("sidecar-1"));
  EXPECT_THAT(status.stdout_text, HasSubstr("connection_balance_config"));
}

}  // namespace
}  // namespace meshproxy::testing
