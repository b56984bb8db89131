// Circuit breakers and outlier detection end to end: meshproxy on loopback in front of
// mesh-test-server upstreams, driven by wrk and plain HTTP clients.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

std::string accessLog(const std::string& path) {
  return "          access_log:\n"
         "          - name: envoy.access_loggers.file\n"
         "            typed_config:\n"
         "              \"@type\": "
         "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
         "              path: " +
         path +
         "\n"
         "              log_format:\n"
         "                text_format_source:\n"
         "                  inline_string: \"%RESPONSE_CODE% %RESPONSE_FLAGS%\\n\"\n";
}

// max_requests: 1 against an origin that takes 200 ms per response: under wrk with 8
// connections, all but one request at a time overflow with 503 UO and x-envoy-overloaded.
TEST(CircuitBreakerTest, MaxRequestsOverflowGives503UOUnderWrk) {
  TestServerProcess slow({.mode = "http", .delay_ms = 200});
  ASSERT_TRUE(slow.ready());
  TempDir dir;
  std::string log = dir.filePath("access.log");
  HttpProxy proxy({.clusters = {{.name = "b",
                                 .ports = {slow.port()},
                                 .extra = "    circuit_breakers:\n"
                                          "      thresholds:\n"
                                          "      - max_requests: 1\n"
                                          "        track_remaining: true\n"}},
                   .hcm_extra = accessLog(log)},
                  {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());
  ASSERT_EQ(proxy.get("/warm").status, 200);

  Process wrk({"wrk", "-t2", "-c8", "-d2s", "--timeout", "5s", proxy.url("/load")});
  ASSERT_TRUE(wrk.started());
  // While wrk holds the one slot, a request of ours overflows.
  HttpResponse overflowed;
  bool seen = waitUntil(
      [&] {
        overflowed = proxy.get("/probe");
        return overflowed.status == 503;
      },
      absl::Seconds(3), absl::Milliseconds(20));
  ASSERT_TRUE(seen);
  EXPECT_EQ(overflowed.header("x-envoy-overloaded"), "true");
  EXPECT_THAT(overflowed.body, HasSubstr("overflow"));
  // The one slot is taken again within microseconds of each response: the gauges show it.
  EXPECT_TRUE(proxy->waitForCounter("cluster.b.circuit_breakers.default.rq_open",
                                    [](int64_t v) { return v == 1; }));
  EXPECT_TRUE(proxy->waitForCounter("cluster.b.circuit_breakers.default.remaining_rq",
                                    [](int64_t v) { return v == 0; }));
  auto status = wrk.waitExit(absl::Seconds(20));
  ASSERT_TRUE(status.has_value());
  std::string report = wrk.stdoutText();
  EXPECT_THAT(report, HasSubstr("Non-2xx or 3xx responses")) << report;

  int64_t overflows = proxy->counterValue("cluster.b.upstream_rq_pending_overflow").value_or(0);
  EXPECT_GT(overflows, 10);
  // The slot was never shared: at most one request at a time reached the origin (about 10
  // in 2 s at 200 ms each, 2 workers racing for the last slot at worst).
  int64_t served = proxy->counterValue("cluster.b.upstream_rq_2xx").value_or(0);
  EXPECT_LE(served, 1 + 2 * 2000 / 200 + 2);
  // Everything done: the breaker is closed again.
  ASSERT_TRUE(proxy->waitForCounter("cluster.b.circuit_breakers.default.rq_open",
                                    [](int64_t v) { return v == 0; }));
  EXPECT_EQ(proxy->counterValue("cluster.b.circuit_breakers.default.remaining_rq"), 1);
  std::string text;
  ASSERT_TRUE(waitUntil(
      [&] {
        text = readFileText(log);
        return text.find(" UO") != std::string::npos;
      },
      absl::Seconds(5)));
  EXPECT_THAT(text, HasSubstr("503 UO"));
}

// max_connections: 1 and max_pending_requests: 1: one request in flight, one waiting for its
// connection, the third overflows.
TEST(CircuitBreakerTest, MaxConnectionsAndPendingOverflow) {
  TestServerProcess slow({.mode = "http", .delay_ms = 1000});
  ASSERT_TRUE(slow.ready());
  HttpProxy proxy({.clusters = {{.name = "b",
                                 .ports = {slow.port()},
                                 .extra = "    circuit_breakers:\n"
                                          "      thresholds:\n"
                                          "      - max_connections: 1\n"
                                          "        max_pending_requests: 1\n"}}});
  ASSERT_TRUE(proxy.ready());
  std::string url = proxy.url("/held");
  // The first request holds the one connection (the origin answers after 1 s) ...
  Process first({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\n", "--max-time", "10", url});
  ASSERT_TRUE(first.started());
  ASSERT_TRUE(
      proxy->waitForCounter("cluster.b.upstream_rq_active", [](int64_t v) { return v == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // connected on loopback
  // ... of two more, one waits for that connection (the pool may not open another) and the
  // other may not wait: 503 UO.
  Process burst({"sh", "-c",
                 "for i in 1 2; do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 10 " + url +
                     " & done; wait"});
  ASSERT_TRUE(burst.started());
  auto status = burst.waitExit(absl::Seconds(15));
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(first.waitExit(absl::Seconds(15)).has_value());
  EXPECT_EQ(first.stdoutText(), "200\n");
  std::string codes = burst.stdoutText();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), '\n'), 2) << codes;
  EXPECT_THAT(codes, HasSubstr("503"));
  EXPECT_EQ(proxy->counterValue("cluster.b.upstream_rq_2xx"), 2) << codes;
  EXPECT_EQ(proxy->counterValue("cluster.b.upstream_cx_total"), 1);
  EXPECT_GE(proxy->counterValue("cluster.b.upstream_cx_overflow").value_or(0), 1);
  EXPECT_EQ(proxy->counterValue("cluster.b.upstream_rq_pending_overflow"), 1);
  EXPECT_THAT(proxy->adminGet("/clusters").body,
              HasSubstr("b::default_priority::max_connections::1"));
}

// A route with priority HIGH counts against the HIGH thresholds: the DEFAULT breaker at 0
// does not stop it.
TEST(CircuitBreakerTest, RoutePrioritySelectsTheThresholds) {
  TestServerProcess origin({.mode = "http"});
  ASSERT_TRUE(origin.ready());
  std::string routes =
      "            virtual_hosts:\n"
      "            - name: all\n"
      "              domains: [\"*\"]\n"
      "              routes:\n"
      "              - match: { prefix: /high }\n"
      "                route: { cluster: b, priority: HIGH }\n"
      "              - match: { prefix: / }\n"
      "                route: { cluster: b }\n";
  HttpProxy proxy({.route_config = routes,
                   .clusters = {{.name = "b",
                                 .ports = {origin.port()},
                                 .extra = "    circuit_breakers:\n"
                                          "      thresholds:\n"
                                          "      - max_requests: 0\n"
                                          "      - priority: HIGH\n"
                                          "        max_requests: 5\n"}}});
  ASSERT_TRUE(proxy.ready());
  auto low = proxy.get("/low");
  EXPECT_EQ(low.status, 503);
  EXPECT_EQ(low.header("x-envoy-overloaded"), "true");
  EXPECT_EQ(proxy.get("/high").status, 200);
}

// tcp_proxy counts its upstream connections against max_connections too: past it the
// downstream connection is closed at once (UO).
TEST(CircuitBreakerTest, TcpProxyMaxConnections) {
  TestServerProcess echo("echo");
  ASSERT_TRUE(echo.ready());
  int port = pickFreePort();
  std::string yaml =
      tcpProxyBootstrapYaml({.listener_port = port, .upstream_ports = {echo.port()}});
  size_t at = yaml.find("    connect_timeout: 1s\n");
  ASSERT_NE(at, std::string::npos);
  yaml.insert(at, "    circuit_breakers: { thresholds: [ { max_connections: 1 } ] }\n");
  MeshproxyProcess proxy(yaml, {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  TcpClient first;
  ASSERT_TRUE(first.connect("127.0.0.1", port));
  ASSERT_TRUE(first.sendAll("one"));
  EXPECT_EQ(first.recvExactly(3, absl::Seconds(5)), "one");
  TcpClient second;
  ASSERT_TRUE(second.connect("127.0.0.1", port));
  EXPECT_TRUE(second.peerClosed(absl::Seconds(5)));
  EXPECT_EQ(proxy.counterValue("cluster.backend.upstream_cx_overflow"), 1);
  // The first one still works.
  ASSERT_TRUE(first.sendAll("two"));
  EXPECT_EQ(first.recvExactly(3, absl::Seconds(5)), "two");
}

// consecutive_5xx ejects the host that answers 503; all traffic goes to the good one; after
// base_ejection_time the host comes back (and, still failing, is ejected again). The event
// log has both lines; /clusters shows the flag.
TEST(OutlierDetectionTest, EjectsA5xxHostAndBringsItBackAfterBaseEjectionTime) {
  TestServerProcess good({.mode = "http", .name = "good"});
  TestServerProcess bad({.mode = "http", .name = "bad", .status = 503});
  ASSERT_TRUE(good.ready());
  ASSERT_TRUE(bad.ready());
  TempDir dir;
  std::string events = dir.filePath("outlier.log");
  std::string yaml =
      httpBootstrapYaml({.listener_port = pickFreePort(),
                         .clusters = {{.name = "b",
                                       .ports = {good.port(), bad.port()},
                                       .extra = "    outlier_detection:\n"
                                                "      consecutive_5xx: 3\n"
                                                "      interval: 0.1s\n"
                                                "      base_ejection_time: 1s\n"
                                                "      max_ejection_percent: 50\n"}}});
  int port = std::stoi(yaml.substr(yaml.find("port_value: ") + 12));
  yaml = "cluster_manager:\n  outlier_detection:\n    event_log_path: " + events + "\n" + yaml;
  MeshproxyProcess proxy(yaml, {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());
  auto get = [&] { return httpGet("127.0.0.1", port, "/"); };

  int bad_answers = 0;
  for (int i = 0; i < 40 && bad_answers < 3; ++i) bad_answers += get().status == 503 ? 1 : 0;
  ASSERT_EQ(bad_answers, 3);
  ASSERT_TRUE(proxy.waitForCounter(
      "cluster.b.outlier_detection.ejections_active", [](int64_t v) { return v == 1; },
      absl::Seconds(3)));
  auto ejected_at = absl::Now();
  EXPECT_EQ(proxy.counterValue("cluster.b.outlier_detection.ejections_enforced_consecutive_5xx"),
            1);
  EXPECT_EQ(proxy.counterValue("cluster.b.outlier_detection.ejections_detected_consecutive_5xx"),
            1);
  EXPECT_THAT(proxy.adminGet("/clusters").body,
              HasSubstr("b::" + bad.address() + "::health_flags::/failed_outlier_check"));
  EXPECT_EQ(proxy.counterValue("cluster.b.membership_healthy"), 1);
  // Every worker sees it: only the good host answers now.
  for (int i = 0; i < 20 && absl::Now() - ejected_at < absl::Milliseconds(800); ++i) {
    auto r = get();
    ASSERT_EQ(r.status, 200) << "request " << i;
    EXPECT_EQ(jsonField(r.body, "server"), "good");
  }
  // Back after base_ejection_time (1 s, checked every 0.1 s).
  ASSERT_TRUE(proxy.waitForCounter(
      "cluster.b.outlier_detection.ejections_active", [](int64_t v) { return v == 0; },
      absl::Seconds(3)));
  EXPECT_GE(absl::Now() - ejected_at, absl::Milliseconds(900));
  EXPECT_THAT(proxy.adminGet("/clusters").body,
              HasSubstr("b::" + bad.address() + "::health_flags::healthy"));
  bool bad_again = false;
  for (int i = 0; i < 10 && !bad_again; ++i) bad_again = get().status == 503;
  EXPECT_TRUE(bad_again) << "the host is in rotation again";

  std::string text;
  ASSERT_TRUE(waitUntil(
      [&] {
        text = readFileText(events);
        return text.find("UNEJECT") != std::string::npos;
      },
      absl::Seconds(3)));
  EXPECT_THAT(text, HasSubstr("\"type\":\"CONSECUTIVE_5XX\""));
  EXPECT_THAT(text, HasSubstr("\"cluster_name\":\"b\",\"upstream_url\":\"" + bad.address() +
                              "\",\"action\":\"EJECT\",\"num_ejections\":1,\"enforced\":true"));
  EXPECT_THAT(text, HasSubstr("\"action\":\"UNEJECT\""));
}

TEST(OutlierDetectionTest, UnimplementedFieldsAreRefusedByName) {
  TestServerProcess good({.mode = "http"});
  ASSERT_TRUE(good.ready());
  std::string yaml = httpBootstrapYaml(
      {.listener_port = pickFreePort(),
       .clusters = {{.name = "b",
                     .ports = {good.port()},
                     .extra = "    outlier_detection:\n"
                              "      successful_active_health_check_uneject_host: false\n"}}});
  TempDir dir;
  auto r =
      runCommand({binPath("meshproxy"), "--mode", "validate", "-c", dir.writeFile("b.yaml", yaml)},
                 absl::Seconds(10));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.stderr_text, HasSubstr("successful_active_health_check_uneject_host"));
}

}  // namespace
}  // namespace meshproxy::testing
