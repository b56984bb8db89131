// The mesh as a user runs it: a real mesh-control serving a resource directory, a real meshproxy
// sidecar configured only over ADS, and two versions of an HTTP service. Every change is made
// by editing files, as an operator would; every effect is observed through traffic and through
// mesh-control's GET /nodes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/xds_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/mesh_control_process.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kNode[] = "sidecar-1";  // adsBootstrap's node id

std::string edsClusters(int v1_port, int v2_port) {
  std::string out;
  for (auto [name, port] : {std::pair{"v1", v1_port}, std::pair{"v2", v2_port}}) {
    absl::StrAppend(&out, R"(- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: )",
                    name, R"(
  type: EDS
  connect_timeout: 1s
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
- "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
  cluster_name: )",
                    name, R"(
  endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                    port, " } } } } ] } ]\n");
  }
  return out;
}

// An HTTP listener; `route` is either "rds:<name>" or an inline route to that cluster.
std::string httpListener(const std::string& name, int port, const std::string& route,
                         const std::string& extra_http_filter = "") {
  std::string routing =
      route.starts_with("rds:")
          ? absl::StrCat("        rds: { route_config_name: ", route.substr(4),
                         ", config_source: { ads: {}, resource_api_version: V3 } }\n")
          : absl::StrCat(
                "        route_config:\n          virtual_hosts: [ { name: all, domains: [\"*\"], "
                "routes: [ { match: { prefix: / }, route: { cluster: ",
                route, " } } ] } ]\n");
  return absl::StrCat(R"(- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: )",
                      name, R"(
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: )",
                      name, "\n", routing, "        http_filters:\n", extra_http_filter,
                      R"(        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)");
}

// Route configuration `main`: every request goes by `action`; responses carry x-route-version
// so the test sees when a version is in effect.
std::string mainRoutes(int version, const std::string& action,
                       const std::string& match = "{ prefix: / }") {
  return absl::StrCat(R"("@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: main
virtual_hosts:
- name: all
  domains: ["*"]
  routes:
  - match: )",
                      match, R"(
    route: )",
                      action, R"(
response_headers_to_add:
- header: { key: x-route-version, value: ")",
                      version, R"(" }
)");
}

struct Split {
  int v1 = 0;
  int v2 = 0;
  int failed = 0;
  std::string first_failure;
  int total() const { return v1 + v2 + failed; }
};

// Sends up to n requests (for at most time_limit), counting which version answered.
Split sendRequests(int port, int n, absl::Duration time_limit,
                   absl::Duration pause = absl::ZeroDuration()) {
  Split split;
  absl::Time deadline = absl::Now() + time_limit;
  for (int i = 0; i < n && absl::Now() < deadline; ++i) {
    auto r = httpGet("127.0.0.1", port, "/", absl::Seconds(2));
    std::string server = jsonField(r.body, "server");
    if (r.status == 200 && server == "v1") {
      ++split.v1;
    } else if (r.status == 200 && server == "v2") {
      ++split.v2;
    } else {
      if (split.failed++ == 0) {
        split.first_failure = absl::StrCat("status ", r.status, " ", r.error, " ", r.body);
      }
    }
    if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
  }
  return split;
}

// Reads one response from a keep-alive connection.
std::optional<HttpResponse> readResponse(TcpClient& client, absl::Duration timeout) {
  std::string data;
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    HttpResponse response;
    size_t used = 0;
    auto status = parseHttpResponse(data, client.eofSeen(), false, &response, &used);
    if (status == HttpParseStatus::kComplete) return response;
    if (status == HttpParseStatus::kError || client.eofSeen() || absl::Now() >= deadline) {
      return std::nullopt;
    }
    data += client.recvSome(64 * 1024, deadline - absl::Now());
  }
}

// A listening socket on a fresh loopback port, held by the test (no SO_REUSEPORT, so nobody
// else can bind the port while it is open).
class HeldPort {
 public:
  HeldPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot hold a loopback port";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~HeldPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class MeshControlScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ignoreSigpipe();
    ASSERT_TRUE(v1_.ready());
    ASSERT_TRUE(v2_.ready());
    dir_.writeFile("resources/all/clusters.yaml", edsClusters(v1_.port(), v2_.port()));
    dir_.writeFile("resources/all/listeners.yaml", httpListener("web", web_port_, "rds:main"));
    dir_.writeFile("resources/all/routes.yaml", mainRoutes(1, "{ cluster: v1 }"));
    control_ = std::make_unique<MeshControlProcess>(dir_.filePath("resources"));
    ASSERT_TRUE(control_->ready());
    proxy_ = std::make_unique<MeshproxyProcess>(
        adsBootstrap(control_->grpcPort()),
        MeshproxyOptions{.concurrency = 2, .extra_args = {"--drain-time-s", "2"}});
    ASSERT_TRUE(proxy_->ready());
    ASSERT_TRUE(waitUntil([&] { return routeVersion() == "1"; }, absl::Seconds(10)))
        << control_->nodesText();
    ASSERT_TRUE(waitUntil(
        [&] {
          return control_->acked(kNode, kLds) && control_->acked(kNode, kRds) &&
                 control_->acked(kNode, kCds) && control_->acked(kNode, kEds);
        },
        absl::Seconds(5)))
        << control_->nodesText();
  }

  // The x-route-version of a response through the web listener ("" if none or no response).
  std::string routeVersion() {
    return httpGet("127.0.0.1", web_port_, "/", absl::Seconds(2))
        .header("x-route-version")
        .value_or("");
  }

  // Rewrites a resource file the way editors and `kubectl cp` do: a new file renamed in place.
  void replaceFile(const std::string& name, std::string_view content) {
    std::string tmp = dir_.writeFile(name + ".tmp-new", content);
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.filePath(name).c_str()), 0);
  }

  // Makes one resource file invalid for meshproxy (not for mesh-control, which only checks
  // that it parses) and checks the whole chain: the sidecar NACKs with a message containing
  // `expected`, mesh-control shows that NACK, and traffic keeps flowing on the previous config.
  void expectNackAndTrafficUnchanged(const std::string& file, const std::string& content,
                                     const char* type_url, const std::string& expected) {
    std::string good = control_->ackedVersion(kNode, type_url);
    ASSERT_FALSE(good.empty());
    replaceFile(file, content);
    ASSERT_TRUE(waitUntil([&] { return control_->lastNackMessage(kNode, type_url).has_value(); },
                          absl::Seconds(10)))
        << control_->nodesText();
    EXPECT_THAT(control_->lastNackMessage(kNode, type_url), Optional(HasSubstr(expected)));
    EXPECT_EQ(control_->ackedVersion(kNode, type_url), good);
    EXPECT_NE(structString(control_->nodeType(kNode, type_url), "version_sent"), good);
    Split after = sendRequests(web_port_, 50, absl::Seconds(20));
    EXPECT_EQ(after.v1, 50) << after.first_failure;
    auto r = httpGet("127.0.0.1", web_port_, "/");
    EXPECT_EQ(r.header("x-route-version"), "1");

    auto status = runCommand({binPath("mesh-control"), "status", "--admin",
                              absl::StrCat("127.0.0.1:", control_->adminPort())},
                             absl::Seconds(10));
    ASSERT_TRUE(status.ok()) << status.stderr_text;
    EXPECT_THAT(status.stdout_text, AllOf(HasSubstr(kNode), HasSubstr(expected)));
  }

  TestServerProcess v1_{{.mode = "http", .name = "v1"}};
  TestServerProcess v2_{{.mode = "http", .name = "v2"}};
  TempDir dir_;
  int web_port_ = pickFreePort();
  std::unique_ptr<MeshControlProcess> control_;
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(MeshControlScenarioTest, InitialConfigRoutesThenCanaryWeightsApplyFromAFileEdit) {
  Split before = sendRequests(web_port_, 20, absl::Seconds(20));
  EXPECT_EQ(before.v1, 20) << before.first_failure;

  replaceFile("resources/all/routes.yaml",
              mainRoutes(2,
                         "{ weighted_clusters: { clusters: [ { name: v1, weight: 90 }, "
                         "{ name: v2, weight: 10 } ] } }"));
  ASSERT_TRUE(waitUntil([&] { return routeVersion() == "2"; }, absl::Seconds(10)))
      << control_->nodesText();
  Split split = sendRequests(web_port_, 2000, absl::Seconds(60));
  ASSERT_EQ(split.total(), 2000) << "the 2000 requests took over 60 s";
  EXPECT_EQ(split.failed, 0) << split.first_failure;
  double v1_share = 100.0 * split.v1 / split.total();
  std::printf("90/10 canary over 2000 requests: v1 %d (%.1f %%), v2 %d\n", split.v1, v1_share,
              split.v2);
  EXPECT_GE(v1_share, 85.0);
  EXPECT_LE(v1_share, 95.0);
  EXPECT_TRUE(waitUntil([&] { return control_->acked(kNode, kRds); }, absl::Seconds(5)));
}

// The operator's view of hot apply: from saving a file to the change showing in responses,
// through mesh-control's watch (quiet for 200 ms), its push, and the sidecar's apply.
TEST_F(MeshControlScenarioTest, FileEditShowsInResponsesWithinTheDebounceAndAFewMilliseconds) {
  std::vector<double> visible_ms;
  for (int version = 2; version <= 21; ++version) {
    absl::Time saved = absl::Now();
    replaceFile("resources/all/routes.yaml", mainRoutes(version, "{ cluster: v1 }"));
    ASSERT_TRUE(waitUntil([&] { return routeVersion() == std::to_string(version); },
                          absl::Seconds(5), absl::Milliseconds(2)))
        << "version " << version << "\n"
        << control_->nodesText();
    visible_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - saved));
  }
  std::sort(visible_ms.begin(), visible_ms.end());
  double p50 = visible_ms[visible_ms.size() / 2];
  std::printf(
      "file-edit-to-visible via mesh-control over %zu edits: p50 %.1f ms, p90 %.1f ms, "
      "max %.1f ms\n",
      visible_ms.size(), p50, visible_ms[visible_ms.size() * 9 / 10], visible_ms.back());
  EXPECT_GE(visible_ms.front(), 150.0) << "faster than the debounce: was it really a new version?";
  EXPECT_LT(p50, 1000.0);
}

TEST_F(MeshControlScenarioTest, ListenerInANewFileIsReachableAndRefusedAfterItsRemoval) {
  int extra_port = pickFreePort();
  std::string before = control_->ackedVersion(kNode, kLds);
  replaceFile("resources/all/extra-listener.yaml", httpListener("extra", extra_port, "v2"));
  ASSERT_TRUE(waitUntil(
      [&] {
        return jsonField(httpGet("127.0.0.1", extra_port, "/", absl::Seconds(1)).body, "server") ==
               "v2";
      },
      absl::Seconds(10)))
      << control_->nodesText();
  ASSERT_TRUE(waitUntil([&] { return control_->acked(kNode, kLds); }, absl::Seconds(5)));
  std::string with_extra = control_->ackedVersion(kNode, kLds);
  EXPECT_NE(with_extra, before);

  // A keep-alive connection opened before the removal may finish its work while it drains.
  TcpClient open_connection;
  ASSERT_TRUE(open_connection.connect("127.0.0.1", extra_port));
  ASSERT_TRUE(open_connection.sendAll(buildHttpRequest("GET", "/", {{"Host", "extra"}})));
  auto first = readResponse(open_connection, absl::Seconds(5));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);

  ASSERT_EQ(std::remove(dir_.filePath("resources/all/extra-listener.yaml").c_str()), 0);
  ASSERT_TRUE(waitUntil(
      [&] {
        return control_->acked(kNode, kLds) && control_->ackedVersion(kNode, kLds) != with_extra;
      },
      absl::Seconds(10)))
      << control_->nodesText();
  ASSERT_TRUE(open_connection.sendAll(buildHttpRequest("GET", "/", {{"Host", "extra"}})));
  auto draining = readResponse(open_connection, absl::Seconds(5));
  ASSERT_TRUE(draining.has_value());
  EXPECT_EQ(draining->status, 200);
  EXPECT_EQ(draining->header("connection"), "close");

  // Drain time is 2 s: by then at the latest the port refuses connections.
  std::string last_error;
  EXPECT_TRUE(waitUntil(
      [&] {
        TcpClient probe;
        if (probe.connect("127.0.0.1", extra_port, absl::Seconds(1))) return false;
        last_error = probe.error();
        return last_error.find("refused") != std::string::npos;
      },
      absl::Seconds(6)))
      << last_error;
  EXPECT_EQ(routeVersion(), "1");
}

TEST_F(MeshControlScenarioTest, RouteWithARegexRe2RejectsIsNackedAndTrafficUnchanged) {
  expectNackAndTrafficUnchanged(
      "resources/all/routes.yaml",
      mainRoutes(2, "{ cluster: v2 }", R"({ safe_regex: { regex: "/(a)\\1" } })"), kRds,
      "invalid regex '/(a)\\1'");
}

TEST_F(MeshControlScenarioTest, ListenerOnAPortInUseIsNackedAndTrafficUnchanged) {
  HeldPort busy;
  ASSERT_NE(busy.port(), 0);
  expectNackAndTrafficUnchanged(
      "resources/all/listeners.yaml",
      httpListener("web", web_port_, "rds:main") + httpListener("busy", busy.port(), "v2"), kLds,
      absl::StrCat("listener 'busy': cannot bind 127.0.0.1:", busy.port(),
                   ": Address already in use"));
}

TEST_F(MeshControlScenarioTest, UnknownFilterTypeUrlIsNackedAndTrafficUnchanged) {
  // A type every protobuf runtime knows (so mesh-control can parse and serve it), but no HTTP
  // filter meshproxy has: what a control plane sends when it assumes an Envoy extension.
  expectNackAndTrafficUnchanged(
      "resources/all/listeners.yaml",
      httpListener(
          "web", web_port_, "rds:main",
          "        - name: example.filters.http.custom\n"
          "          typed_config: { \"@type\": type.googleapis.com/google.protobuf.Struct }\n"),
      kLds, "unsupported extension 'example.filters.http.custom' (type.googleapis.com/google.protobuf.Struct)");
}

TEST_F(MeshControlScenarioTest, TrafficSurvivesControlPlaneDeathAndTheSidecarResyncsOnRestart) {
  const int grpc_port = control_->grpcPort();
  const int admin_port = control_->adminPort();
  control_->kill();
  ASSERT_TRUE(proxy_->waitForCounter(
      "control_plane.connected_state", [](int64_t v) { return v == 0; }, absl::Seconds(5)));

  // 30 s without a control plane: every request succeeds on the last good config.
  Split during = sendRequests(web_port_, 100000, absl::Seconds(30), absl::Milliseconds(5));
  std::printf("control plane down for 30 s: %d requests, %d failed\n", during.total(),
              during.failed);
  EXPECT_EQ(during.failed, 0) << during.first_failure;
  EXPECT_EQ(during.v1, during.total());
  EXPECT_GT(during.total(), 500);

  // Back on the same address: the sidecar reconnects by itself (its backoff is at most 30 s
  // plus a 5 s connect attempt), subscribes again, and follows file changes again.
  control_ = std::make_unique<MeshControlProcess>(
      dir_.filePath("resources"),
      MeshControlOptions{.grpc_port = grpc_port, .admin_port = admin_port});
  ASSERT_TRUE(control_->ready());
  absl::Time restarted = absl::Now();
  ASSERT_TRUE(proxy_->waitForCounter(
      "control_plane.connected_state", [](int64_t v) { return v == 1; }, absl::Seconds(45)));
  std::printf("sidecar reconnected %.1f s after the restart\n",
              absl::ToDoubleSeconds(absl::Now() - restarted));
  ASSERT_TRUE(
      waitUntil([&] { return control_->acked(kNode, kLds) && control_->acked(kNode, kRds); },
                absl::Seconds(10)))
      << control_->nodesText();
  EXPECT_TRUE(control_->nodeConnected(kNode));

  replaceFile("resources/all/routes.yaml", mainRoutes(3, "{ cluster: v2 }"));
  ASSERT_TRUE(waitUntil([&] { return routeVersion() == "3"; }, absl::Seconds(10)))
      << control_->nodesText();
  Split after = sendRequests(web_port_, 20, absl::Seconds(20));
  EXPECT_EQ(after.v2, 20) << after.first_failure;
}

}  // namespace
}  // namespace meshproxy::testing
