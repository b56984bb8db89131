// Config changes under load: wrk drives traffic at full speed through meshproxy while the
// test pushes 200 route-configuration versions (alternating canary weights and a response
// header). No request may fail, and each change must become visible quickly; the time from
// push to visibility is measured (p50/p99) and printed for bench/RESULTS.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/xds_test_util.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

google::protobuf::Any splitRoute(int version, int v1_weight) {
  return anyFromYaml(absl::StrCat(R"("@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: main
virtual_hosts:
- name: all
  domains: ["*"]
  routes:
  - match: { prefix: / }
    route:
      weighted_clusters:
        clusters: [ { name: v1, weight: )", v1_weight, " }, { name: v2, weight: ", 100 - v1_weight, R"( } ]
    response_headers_to_add:
    - header: { key: x-config-version, value: ")", version, R"(" }
      append_action: OVERWRITE_IF_EXISTS_OR_ADD
)"));
}

// Prints p50/p99/max of push-to-visible times (the lines bench/RESULTS.md quotes); returns p99.
double reportVisibleTimes(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  double p50 = ms[ms.size() / 2];
  double p99 = ms[ms.size() * 99 / 100];
  std::printf("%s push-to-visible over %zu versions: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what,
              ms.size(), p50, p99, ms.back());
  return p99;
}

TEST(XdsHotApplyTest, TwoHundredVersionsUnderLoadWithoutAFailedRequest) {
  TestServerProcess v1({.mode = "http", .name = "v1"});
  TestServerProcess v2({.mode = "http", .name = "v2"});
  ASSERT_TRUE(v1.ready());
  ASSERT_TRUE(v2.ready());
  FakeAdsServer ads;
  int port = pickFreePort();
  MeshproxyProcess proxy(adsBootstrap(ads.port()), {.concurrency = 1, .log_level = "warn", .wait_ready = false});
  ASSERT_TRUE(ads.waitForStream());
  ASSERT_TRUE(ads.waitRequest(kCds).has_value());
  ads.respond(kCds, "c1", {edsCluster("v1"), edsCluster("v2")});
  ASSERT_TRUE(ads.waitRequest(kEds).has_value());
  ads.respond(kEds, "e1", {endpoints("v1", v1.port()), endpoints("v2", v2.port())});
  ASSERT_TRUE(ads.waitRequest(kLds).has_value());
  ads.respond(kLds, "l1", {rdsListener("web", port, "main")});
  ASSERT_TRUE(ads.waitRequest(kRds).has_value());
  ads.respond(kRds, "r0", {splitRoute(0, 50)});
  ASSERT_TRUE(proxy.waitReady(absl::Seconds(10)));
  ASSERT_EQ(httpGet("127.0.0.1", port, "/").status, 200);

  // Full-speed load for the whole run.
  Process wrk({"wrk", "-t1", "-c20", "-d8s", "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_TRUE(wrk.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::vector<double> visible_ms;
  for (int version = 1; version <= 200; ++version) {
    absl::Time pushed = absl::Now();
    ads.respond(kRds, absl::StrCat("r", version), {splitRoute(version, version % 2 ? 90 : 10)});
    bool seen = waitUntil(
        [&] {
          auto r = httpGet("127.0.0.1", port, "/probe", absl::Seconds(2));
          return r.header("x-config-version") == std::to_string(version);
        },
        absl::Seconds(5), absl::Milliseconds(1));
    ASSERT_TRUE(seen) << "version " << version << " never became visible";
    visible_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - pushed));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto status = wrk.waitExit(absl::Seconds(40));
  ASSERT_TRUE(status.has_value());
  std::string report = wrk.stdoutText();
  std::printf("%s\n", report.c_str());
  EXPECT_THAT(report, HasSubstr("requests in"));
  EXPECT_EQ(report.find("Non-2xx"), std::string::npos) << report;
  EXPECT_EQ(report.find("Socket errors"), std::string::npos) << report;
  EXPECT_EQ(proxy.counterValue("http.ingress.downstream_rq_5xx"), 0);
  EXPECT_EQ(proxy.counterValue("control_plane.rds.update_success"), 201);

  EXPECT_LT(reportVisibleTimes("RDS", visible_ms), 1000.0);
}

// A listener whose inline route changes is replaced in place (same socket): connections on
// the old version get connection: close and drain; new ones use the new version.
google::protobuf::Any inlineRouteListener(int port, int version, int upstream_port_unused) {
  (void)upstream_port_unused;
  return anyFromYaml(absl::StrCat(R"("@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: web
address: { socket_address: { address: 127.0.0.1, port_value: )", port, R"( } }
filter_chains:
- filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes: [ { match: { prefix: / }, route: { cluster: v1 } } ]
          response_headers_to_add: [ { header: { key: x-config-version, value: ")", version, R"(" } } ]
      http_filters:
      - name: envoy.filters.http.router
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)"));
}

TEST(XdsHotApplyTest, ListenerReplacedInPlaceUnderLoadWithoutAFailedRequest) {
  TestServerProcess v1({.mode = "http", .name = "v1"});
  ASSERT_TRUE(v1.ready());
  FakeAdsServer ads;
  int port = pickFreePort();
  MeshproxyProcess proxy(adsBootstrap(ads.port()),
                         {.concurrency = 2, .log_level = "warn", .extra_args = {"--drain-time-s", "2"},
                          .wait_ready = false});
  ASSERT_TRUE(ads.waitForStream());
  ASSERT_TRUE(ads.waitRequest(kCds).has_value());
  ads.respond(kCds, "c1", {edsCluster("v1")});
  ASSERT_TRUE(ads.waitRequest(kEds).has_value());
  ads.respond(kEds, "e1", {endpoints("v1", v1.port())});
  ASSERT_TRUE(ads.waitRequest(kLds).has_value());
  ads.respond(kLds, "l0", {inlineRouteListener(port, 0, v1.port())});
  ASSERT_TRUE(proxy.waitReady(absl::Seconds(10)));

  Process wrk({"wrk", "-t1", "-c20", "-d6s", "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_TRUE(wrk.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<double> visible_ms;
  for (int version = 1; version <= 50; ++version) {
    absl::Time pushed = absl::Now();
    ads.respond(kLds, absl::StrCat("l", version), {inlineRouteListener(port, version, v1.port())});
    ASSERT_TRUE(waitUntil(
        [&] {
          return httpGet("127.0.0.1", port, "/probe", absl::Seconds(2)).header("x-config-version") ==
                 std::to_string(version);
        },
        absl::Seconds(5), absl::Milliseconds(1)))
        << "listener version " << version;
    visible_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - pushed));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(wrk.waitExit(absl::Seconds(20)).has_value());
  std::string report = wrk.stdoutText();
  EXPECT_THAT(report, HasSubstr("requests in"));
  EXPECT_EQ(report.find("Non-2xx"), std::string::npos) << report;
  EXPECT_EQ(report.find("Socket errors"), std::string::npos) << report;
  EXPECT_EQ(proxy.counterValue("listener_manager.lds.update_success"), 51);
  EXPECT_LT(reportVisibleTimes("LDS (listener replaced in place)", visible_ms), 1000.0);
}

}  // namespace
}  // namespace meshproxy::testing
