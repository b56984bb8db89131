// Active health checks with real processes on loopback: HTTP (a backend whose /health starts
// failing is taken out of the balancer and brought back), TCP, gRPC (grpc.health.v1 over
// HTTP/2), the endpoint's health check port, the event log; and a LOGICAL_DNS cluster.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/integration/capture_test_util.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/grpc_interop_process.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

struct Endpoint {
  std::string address;        // ip:port (or name:port)
  int health_check_port = 0;  // health_check_config.port_value; 0: none
};

// A bootstrap with one HTTP listener routing to cluster "app", described by `cluster_extra`
// (type, health_checks ...) and `endpoints`.
std::string bootstrap(int port, const std::vector<Endpoint>& endpoints,
                      const std::string& cluster_extra) {
  ListenerSpec l{.name = "l", .port = port, .chains = {{.filter = hcmFilter("hcm", "app")}}};
  std::string out = "node: { id: hc-test, cluster: test }\nstatic_resources:\n  listeners:\n";
  out += listenerYaml(l);
  // No panic mode: with Envoy's default threshold (50%) a cluster whose hosts all fail their
  // checks balances over all of them, which would hide what these tests look at.
  out += "  clusters:\n  - name: app\n    connect_timeout: 1s\n"
         "    common_lb_config: { healthy_panic_threshold: { value: 0 } }\n" +
         cluster_extra;
  out += "    load_assignment:\n      cluster_name: app\n      endpoints:\n      - lb_endpoints:\n";
  for (const auto& e : endpoints) {
    size_t colon = e.address.rfind(':');
    out += fmt::format(
        "        - endpoint:\n            address: {{ socket_address: {{ address: \"{}\", "
        "port_value: {} }} }}\n",
        e.address.substr(0, colon), e.address.substr(colon + 1));
    if (e.health_check_port != 0) {
      out += fmt::format("            health_check_config: {{ port_value: {} }}\n",
                         e.health_check_port);
    }
  }
  return out;
}

// Fast checks: every 100 ms whatever the traffic, one failure takes a host out, two passes
// bring it back.
std::string httpCheck(const std::string& more = "") {
  return "    health_checks:\n"
         "    - timeout: 1s\n"
         "      interval: 0.1s\n"
         "      no_traffic_interval: 0.1s\n"
         "      unhealthy_threshold: 1\n"
         "      healthy_threshold: 2\n" +
         more + "      http_health_check: { path: /health }\n";
}

// Requests to the proxy's listener.
struct Client {
  int port;
  HttpResponse get(std::string_view path) const {
    return httpRequest("127.0.0.1", port, "GET", path, {}, "");
  }
};

std::string clustersText(MeshproxyProcess& proxy) { return proxy.adminGet("/clusters").body; }

std::string serverOf(const Client& proxy) {
  HttpResponse r = proxy.get("/");
  return r.status == 200 ? jsonField(r.body, "server") : absl::StrCat("<", r.status, ">");
}

bool waitHealthy(MeshproxyProcess& proxy, int64_t n, absl::Duration timeout = absl::Seconds(10)) {
  return proxy.waitForCounter(
      "cluster.app.health_check.healthy", [n](int64_t v) { return v == n; }, timeout);
}

TEST(HealthCheckTest, HttpCheckTakesAFailingHostOutAndBringsItBack) {
  TestServerProcess a({.mode = "http", .name = "a"});
  TestServerProcess b({.mode = "http", .name = "b"});
  ASSERT_TRUE(a.ready() && b.ready());
  int port = pickFreePort();
  TempDir dir;
  std::string events = dir.path() + "/hc-events.log";
  MeshproxyProcess proxy(bootstrap(port, {{a.address()}, {b.address()}},
                                   httpCheck(fmt::format("      event_log_path: {}\n", events))),
                         {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(waitHealthy(proxy, 2)) << clustersText(proxy);
  std::string clusters = clustersText(proxy);
  EXPECT_NE(clusters.find(absl::StrCat("app::", a.address(), "::health_flags::healthy")),
            std::string::npos)
      << clusters;

  // a's /health starts failing: a leaves the balancer on every worker.
  ASSERT_EQ(httpRequest("127.0.0.1", a.port(), "GET", "/__health/fail", {}, "").status, 200);
  ASSERT_TRUE(waitHealthy(proxy, 1)) << clustersText(proxy);
  clusters = clustersText(proxy);
  EXPECT_NE(clusters.find(absl::StrCat("app::", a.address(), "::health_flags::/failed_active_hc")),
            std::string::npos)
      << clusters;
  EXPECT_NE(clusters.find(absl::StrCat("app::", b.address(), "::health_flags::healthy")),
            std::string::npos)
      << clusters;
  Client via{port};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(serverOf(via), "b") << "request " << i;

  // Healthy again: after healthy_threshold (2) passes, a takes traffic again.
  ASSERT_EQ(httpRequest("127.0.0.1", a.port(), "GET", "/__health/ok", {}, "").status, 200);
  ASSERT_TRUE(waitHealthy(proxy, 2)) << clustersText(proxy);
  bool saw_a = false;
  for (int i = 0; i < 20 && !saw_a; ++i) saw_a = serverOf(via) == "a";
  EXPECT_TRUE(saw_a);

  EXPECT_GT(proxy.counterValue("cluster.app.health_check.attempt").value_or(0), 4);
  EXPECT_GT(proxy.counterValue("cluster.app.health_check.success").value_or(0), 3);
  EXPECT_GE(proxy.counterValue("cluster.app.health_check.failure").value_or(0), 1);
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.network_failure").value_or(-1), 0);
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.passive_failure").value_or(-1), 0);
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.degraded").value_or(-1), 0);

  // Envoy's event log: first checks, the ejection and the return, as JSON lines.
  std::ifstream in(events);
  std::stringstream log;
  log << in.rdbuf();
  std::string text = log.str();
  EXPECT_NE(text.find("\"add_healthy_event\":{\"first_check\":true}"), std::string::npos) << text;
  EXPECT_NE(text.find("\"eject_unhealthy_event\":{\"failure_type\":\"ACTIVE\"}"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\"add_healthy_event\":{\"first_check\":false}"), std::string::npos) << text;
  EXPECT_NE(text.find("\"cluster_name\":\"app\""), std::string::npos) << text;
}

TEST(HealthCheckTest, NewHostIsNotUsedBeforeItsFirstCheckPasses) {
  // Nothing listens on the endpoint's port: the host never passes, so no request goes there.
  int dead = pickFreePort();
  int port = pickFreePort();
  MeshproxyProcess proxy(bootstrap(port, {{absl::StrCat("127.0.0.1:", dead)}}, httpCheck()),
                         {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(proxy.waitForCounterAtLeast("cluster.app.health_check.network_failure", 2));
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.healthy").value_or(-1), 0);
  std::string clusters = clustersText(proxy);
  EXPECT_NE(clusters.find("::health_flags::/failed_active_hc"), std::string::npos) << clusters;
  Client via{port};
  EXPECT_EQ(via.get("/").status, 503);
  EXPECT_EQ(proxy.counterValue("cluster.app.upstream_cx_total").value_or(-1), 0)
      << "no request may try an unchecked host";
  EXPECT_EQ(proxy.counterValue("cluster.app.membership_healthy").value_or(-1), 0);
}

TEST(HealthCheckTest, EndpointHealthCheckPortIsWhereChecksGo) {
  // Traffic goes to `app`, its health checks to `probe` (health_check_config.port_value).
  TestServerProcess app({.mode = "http", .name = "app"});
  TestServerProcess probe({.mode = "http", .name = "probe"});
  ASSERT_TRUE(app.ready() && probe.ready());
  int port = pickFreePort();
  MeshproxyProcess proxy(bootstrap(port, {{app.address(), probe.port()}}, httpCheck()),
                         {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(waitHealthy(proxy, 1));
  Client via{port};
  EXPECT_EQ(serverOf(via), "app");
  ASSERT_EQ(httpRequest("127.0.0.1", probe.port(), "GET", "/__health/fail", {}, "").status, 200);
  ASSERT_TRUE(waitHealthy(proxy, 0)) << clustersText(proxy);
  EXPECT_EQ(via.get("/").status, 503);
}

TEST(HealthCheckTest, TcpCheckSendsAndExpectsPayloads) {
  // The echo server answers PING with PING; once it is gone, connects fail (NETWORK).
  auto echo = std::make_unique<TestServerProcess>(TestServerOptions{.mode = "echo"});
  ASSERT_TRUE(echo->ready());
  int port = pickFreePort();
  std::string check =
      "    health_checks:\n"
      "    - timeout: 1s\n"
      "      interval: 0.1s\n"
      "      no_traffic_interval: 0.1s\n"
      "      unhealthy_threshold: 2\n"
      "      healthy_threshold: 1\n"
      "      tcp_health_check: { send: { text: \"50494e47\" }, receive: [{ text: \"50494e47\" }] "
      "}\n";
  MeshproxyProcess proxy(bootstrap(port, {{echo->address()}}, check), {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(waitHealthy(proxy, 1)) << clustersText(proxy);
  ASSERT_TRUE(proxy.waitForCounterAtLeast("cluster.app.health_check.success", 3));
  echo.reset();
  ASSERT_TRUE(waitHealthy(proxy, 0)) << clustersText(proxy);
  EXPECT_GE(proxy.counterValue("cluster.app.health_check.network_failure").value_or(0), 2);
  EXPECT_NE(clustersText(proxy).find("/failed_active_hc"), std::string::npos);
}

TEST(HealthCheckTest, TcpCheckWithAWrongAnswerNeverPasses) {
  TestServerProcess echo({.mode = "echo"});
  ASSERT_TRUE(echo.ready());
  int port = pickFreePort();
  std::string check =
      "    health_checks:\n"
      "    - timeout: 0.3s\n"
      "      interval: 0.1s\n"
      "      no_traffic_interval: 0.1s\n"
      "      unhealthy_threshold: 1\n"
      "      healthy_threshold: 1\n"
      "      tcp_health_check: { send: { text: \"50494e47\" }, receive: [{ text: \"504f4e47\" }] "
      "}\n";
  MeshproxyProcess proxy(bootstrap(port, {{echo.address()}}, check), {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(proxy.waitForCounterAtLeast("cluster.app.health_check.failure", 2));
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.success").value_or(-1), 0);
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.healthy").value_or(-1), 0);
}

TEST(HealthCheckTest, GrpcCheckFollowsTheServingStatus) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  int port = pickFreePort();
  std::string check =
      "    http2_protocol_options: {}\n"
      "    health_checks:\n"
      "    - timeout: 1s\n"
      "      interval: 0.1s\n"
      "      no_traffic_interval: 0.1s\n"
      "      unhealthy_threshold: 1\n"
      "      healthy_threshold: 1\n"
      "      grpc_health_check: { authority: grpc.local }\n";
  MeshproxyProcess proxy(bootstrap(port, {{server.address()}}, check), {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(waitHealthy(proxy, 1)) << clustersText(proxy);
  ASSERT_TRUE(server.setServing(false));
  ASSERT_TRUE(waitHealthy(proxy, 0)) << clustersText(proxy);
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.network_failure").value_or(-1), 0);
  ASSERT_TRUE(server.setServing(true));
  ASSERT_TRUE(waitHealthy(proxy, 1)) << clustersText(proxy);
  // Healthy, NOT_SERVING, SERVING: three answers at least, none of them a network failure.
  EXPECT_GE(proxy.counterValue("cluster.app.health_check.attempt").value_or(0), 3);
  EXPECT_EQ(proxy.counterValue("cluster.app.health_check.network_failure").value_or(-1), 0);
}

TEST(LogicalDnsClusterTest, LocalhostResolvesToOneHost) {
  TestServerProcess server({.mode = "http", .name = "dns"});
  ASSERT_TRUE(server.ready());
  int port = pickFreePort();
  MeshproxyProcess proxy(
      bootstrap(
          port, {{absl::StrCat("localhost:", server.port())}},
          "    type: LOGICAL_DNS\n    dns_lookup_family: V4_ONLY\n    dns_refresh_rate: 1s\n"),
      {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());
  Client via{port};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(serverOf(via), "dns");
  std::string clusters = clustersText(proxy);
  EXPECT_NE(clusters.find(absl::StrCat("app::127.0.0.1:", server.port(), "::hostname::localhost")),
            std::string::npos)
      << clusters;
  EXPECT_EQ(proxy.counterValue("cluster.app.membership_total").value_or(-1), 1);
  // Refreshes with the same answer change nothing.
  ASSERT_TRUE(proxy.waitForCounterAtLeast("cluster.app.update_success", 1));
  EXPECT_EQ(serverOf(via), "dns");
}

}  // namespace
}  // namespace meshproxy::testing
