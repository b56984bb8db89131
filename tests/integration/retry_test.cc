// Retries, hedging, timeouts and the keep-alive race through a real meshproxy, with
// mesh-test-server upstreams scripted to fail (--status, --reset-requests, --delay-ms,
// --close-reused, --idle-close-ms).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/http_test_util.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

// One virtual host routing "/" to cluster b; `route_extra` and `vhost_extra` are YAML lines
// (without indentation) added to the RouteAction and the VirtualHost.
std::string routes(const std::vector<std::string>& route_extra,
                   const std::vector<std::string>& vhost_extra = {}) {
  std::string out =
      "            virtual_hosts:\n"
      "            - name: all\n"
      "              domains: [\"*\"]\n";
  for (const auto& line : vhost_extra) out += "              " + line + "\n";
  out +=
      "              routes:\n"
      "              - match: { prefix: / }\n"
      "                route:\n"
      "                  cluster: b\n";
  for (const auto& line : route_extra) out += "                  " + line + "\n";
  return out;
}

int64_t counter(HttpProxy& proxy, const std::string& name) {
  return proxy->counterValue("cluster.b." + name).value_or(-1);
}

TEST(RetryTest, RetryOn503LandsOnAnotherHost) {
  TestServerProcess bad({.mode = "http", .name = "bad", .extra_args = {"--status", "503"}});
  TestServerProcess good({.mode = "http", .name = "good"});
  ASSERT_TRUE(bad.ready() && good.ready());
  HttpProxy proxy(
      {.route_config = routes(
           {"retry_policy: {retry_on: 5xx, num_retries: 1, retry_host_predicate: "
            "[{name: envoy.retry_host_predicates.previous_hosts}], "
            "retry_back_off: {base_interval: 0.005s}}"},
           {"include_attempt_count_in_response: true", "include_request_attempt_count: true"}),
       .clusters = {{.name = "b", .ports = {bad.port(), good.port()}}}});
  ASSERT_TRUE(proxy.ready());
  int retried = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = proxy.get("/x");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(jsonField(r.body, "server"), "good");
    auto attempts = r.header("x-envoy-attempt-count");
    ASSERT_TRUE(attempts.has_value());
    // The upstream saw which attempt it was.
    EXPECT_THAT(r.body, HasSubstr("\"x-envoy-attempt-count\": \"" + *attempts + "\""));
    if (*attempts == "2") ++retried;
  }
  EXPECT_GT(retried, 0);  // round robin sent some to the bad host first
  EXPECT_EQ(counter(proxy, "upstream_rq_retry"), retried);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry_success"), retried);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry_backoff_exponential"), retried);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry_limit_exceeded"), 0);
}

TEST(RetryTest, RetryOnResetLandsOnAnotherHost) {
  TestServerProcess bad({.mode = "http", .name = "bad", .extra_args = {"--reset-requests"}});
  TestServerProcess good({.mode = "http", .name = "good"});
  ASSERT_TRUE(bad.ready() && good.ready());
  HttpProxy proxy(
      {.route_config = routes({"retry_policy: {retry_on: reset, retry_host_predicate: "
                               "[{name: envoy.retry_host_predicates.previous_hosts}]}"}),
       .clusters = {{.name = "b", .ports = {bad.port(), good.port()}}}});
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 8; ++i) {
    auto r = proxy.get("/x");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(jsonField(r.body, "server"), "good");
  }
  EXPECT_GT(counter(proxy, "upstream_rq_retry"), 0);
}

TEST(RetryTest, WithoutAPolicyTheErrorGoesThrough) {
  TestServerProcess bad({.mode = "http", .name = "bad", .extra_args = {"--status", "503"}});
  ASSERT_TRUE(bad.ready());
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {bad.port()}}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy.get("/x").status, 503);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry"), 0);
  EXPECT_EQ(counter(proxy, "upstream_rq_total"), 1);
}

TEST(RetryTest, LimitExceededAfterNumRetries) {
  TestServerProcess bad({.mode = "http", .name = "bad", .extra_args = {"--status", "503"}});
  ASSERT_TRUE(bad.ready());
  HttpProxy proxy(
      {.route_config = routes({"retry_policy: {retry_on: gateway-error, num_retries: 2, "
                               "retry_back_off: {base_interval: 0.002s}}"}),
       .clusters = {{.name = "b", .ports = {bad.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/x");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(jsonField(r.body, "server"), "bad");  // the last attempt's own response
  EXPECT_EQ(counter(proxy, "upstream_rq_total"), 3);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry"), 2);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry_limit_exceeded"), 1);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry_success"), 0);
}

TEST(RetryTest, PerTryTimeoutThenSuccess) {
  TestServerProcess slow({.mode = "http", .name = "slow", .delay_ms = 3000});
  TestServerProcess fast({.mode = "http", .name = "fast"});
  ASSERT_TRUE(slow.ready() && fast.ready());
  HttpProxy proxy(
      {.route_config = routes({"retry_policy: {retry_on: 5xx, num_retries: 2, "
                               "per_try_timeout: 0.2s, retry_host_predicate: "
                               "[{name: envoy.retry_host_predicates.previous_hosts}]}"}),
       .clusters = {{.name = "b", .ports = {slow.port(), fast.port()}}}});
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 4; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = proxy.get("/x");
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(jsonField(r.body, "server"), "fast");
    EXPECT_LT(took, std::chrono::milliseconds(1500));
  }
  EXPECT_GT(counter(proxy, "upstream_rq_per_try_timeout"), 0);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry"), counter(proxy, "upstream_rq_per_try_timeout"));
}

TEST(RetryTest, PerTryTimeoutWithoutRetriesIs504) {
  TestServerProcess slow({.mode = "http", .name = "slow", .delay_ms = 3000});
  ASSERT_TRUE(slow.ready());
  HttpProxy proxy({.route_config = routes({"retry_policy: {retry_on: connect-failure, "
                                           "per_try_timeout: 0.2s}"}),
                   .clusters = {{.name = "b", .ports = {slow.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/x");
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(counter(proxy, "upstream_rq_per_try_timeout"), 1);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry"), 0);
}

TEST(RetryTest, HedgeOnPerTryTimeoutTheSlowHostLoses) {
  TestServerProcess slow({.mode = "http", .name = "slow", .delay_ms = 1500});
  TestServerProcess fast({.mode = "http", .name = "fast"});
  ASSERT_TRUE(slow.ready() && fast.ready());
  HttpProxy proxy({.route_config = routes({"retry_policy: {retry_on: 5xx, num_retries: 1, "
                                           "per_try_timeout: 0.2s, retry_host_predicate: "
                                           "[{name: envoy.retry_host_predicates.previous_hosts}]}",
                                           "hedge_policy: {hedge_on_per_try_timeout: true}"}),
                   .clusters = {{.name = "b", .ports = {slow.port(), fast.port()}}}});
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 4; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = proxy.get("/x");
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(jsonField(r.body, "server"), "fast");
    EXPECT_LT(took, std::chrono::milliseconds(1200));
  }
  EXPECT_GT(counter(proxy, "upstream_rq_per_try_timeout"), 0);
  // The slow attempts were reset when the hedge won: nothing stays in flight.
  EXPECT_TRUE(proxy->waitForCounter(
      "cluster.b.upstream_rq_active", [](int64_t v) { return v == 0; }, absl::Seconds(3)));
}

TEST(RetryTest, BodyIsReplayedAndATooLargeOneIsNotRetried) {
  TestServerProcess bad({.mode = "http", .name = "bad", .extra_args = {"--status", "503"}});
  TestServerProcess good({.mode = "http", .name = "good"});
  ASSERT_TRUE(bad.ready() && good.ready());
  HttpProxy proxy(
      {.route_config = routes({"retry_policy: {retry_on: 5xx, retry_host_predicate: "
                               "[{name: envoy.retry_host_predicates.previous_hosts}]}"}),
       .clusters = {{.name = "b", .ports = {bad.port(), good.port()}}}});
  ASSERT_TRUE(proxy.ready());
  const std::string body(100000, 'b');
  for (int i = 0; i < 4; ++i) {
    auto r = httpRequest("127.0.0.1", proxy.port, "POST", "/upload", {}, body, absl::Seconds(5));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(jsonNumber(r.body, "body_bytes"), 100000);
  }
  EXPECT_GT(counter(proxy, "upstream_rq_retry"), 0);
  // Beyond the buffer limit (1 MiB by default) the request cannot be sent again.
  const std::string big(3 << 20, 'B');
  int failed = 0;
  for (int i = 0; i < 2; ++i) {
    auto r = httpRequest("127.0.0.1", proxy.port, "POST", "/big", {}, big, absl::Seconds(10));
    if (r.status == 503) ++failed;
  }
  EXPECT_EQ(failed, 1);  // the one that met the bad host
  EXPECT_EQ(counter(proxy, "retry_or_shadow_abandoned"), 1);
}

TEST(RetryTest, ControlHeadersOnlyFromInternalClients) {
  TestServerProcess bad({.mode = "http", .name = "bad", .extra_args = {"--status", "503"}});
  TestServerProcess good({.mode = "http", .name = "good"});
  ASSERT_TRUE(bad.ready() && good.ready());
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {bad.port(), good.port()}}}});
  ASSERT_TRUE(proxy.ready());
  // No x-forwarded-for: an external request (Envoy), so the header is removed and ignored.
  int external_failures = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = proxy.get("/x", {{"x-envoy-retry-on", "5xx"}});
    if (r.status == 503) ++external_failures;
    if (r.status == 200) EXPECT_THAT(r.body, ::testing::Not(HasSubstr("x-envoy-retry-on")));
  }
  EXPECT_EQ(external_failures, 2);
  // One internal address in x-forwarded-for: trusted.
  for (int i = 0; i < 4; ++i) {
    auto r = proxy.get("/x", {{"x-envoy-retry-on", "5xx"}, {"x-forwarded-for", "10.1.2.3"}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  // Every one that met the bad host first was retried (how many did depends on the round
  // robin's position after the retries' own picks).
  EXPECT_GE(counter(proxy, "upstream_rq_retry"), 1);
}

TEST(RetryTest, InternalOnlyHeadersRemovedFromExternalRequests) {
  TestServerProcess up({.mode = "http", .name = "up"});
  ASSERT_TRUE(up.ready());
  HttpProxy proxy({.route_config = "            internal_only_headers: [x-secret]\n" + routes({}),
                   .clusters = {{.name = "b", .ports = {up.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto external = proxy.get("/x", {{"x-secret", "s"}});
  ASSERT_EQ(external.status, 200);
  EXPECT_THAT(external.body, ::testing::Not(HasSubstr("x-secret")));
  auto internal = proxy.get("/x", {{"x-secret", "s"}, {"x-forwarded-for", "192.168.0.9"}});
  ASSERT_EQ(internal.status, 200);
  EXPECT_THAT(internal.body, HasSubstr("\"x-secret\": \"s\""));
}

TEST(RetryTest, TimeoutHeadersAndExpectedTimeoutUpstream) {
  TestServerProcess up({.mode = "http", .name = "up"});
  ASSERT_TRUE(up.ready());
  HttpProxy proxy(
      {.route_config = routes({"timeout: 7s"}), .clusters = {{.name = "b", .ports = {up.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto plain = proxy.get("/x");
  ASSERT_EQ(plain.status, 200);
  EXPECT_THAT(plain.body, HasSubstr("\"x-envoy-expected-rq-timeout-ms\": \"7000\""));
  auto trusted = proxy.get(
      "/x", {{"x-envoy-upstream-rq-timeout-ms", "1234"}, {"x-forwarded-for", "127.0.0.1"}});
  ASSERT_EQ(trusted.status, 200);
  EXPECT_THAT(trusted.body, HasSubstr("\"x-envoy-expected-rq-timeout-ms\": \"1234\""));
  EXPECT_THAT(trusted.body, ::testing::Not(HasSubstr("x-envoy-upstream-rq-timeout-ms")));
  // A trusted timeout header shorter than the upstream's delay: 504.
  auto start = std::chrono::steady_clock::now();
  auto timed_out = proxy.get("/x?delay_ms=2000", {{"x-envoy-upstream-rq-timeout-ms", "200"},
                                                  {"x-forwarded-for", "127.0.0.1"}});
  EXPECT_EQ(timed_out.status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(TimeoutTest, MaxStreamDurationEndsTheStream) {
  TestServerProcess up({.mode = "http", .name = "up"});
  ASSERT_TRUE(up.ready());
  HttpProxy proxy({.route_config = routes({"max_stream_duration: {max_stream_duration: 0.3s}"}),
                   .clusters = {{.name = "b", .ports = {up.port()}}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy.get("/x").status, 200);
  auto start = std::chrono::steady_clock::now();
  auto r = proxy.get("/x?delay_ms=3000");
  // The request was complete: Envoy's 504 (408 is for a request still arriving).
  EXPECT_EQ(r.status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  EXPECT_EQ(proxy->counterValue("http.ingress_http.downstream_rq_max_duration_reached"), 1);
}

// The upstream closes a keep-alive connection when the next request arrives on it, without
// answering: what a server closing idle connections does when the request crosses its FIN.
TEST(KeepAliveRaceTest, RequestOnAClosedPooledConnectionGoesAgainOnANewOne) {
  TestServerProcess up({.mode = "http", .name = "up", .extra_args = {"--close-reused"}});
  ASSERT_TRUE(up.ready());
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {up.port()}}}});  // no retry policy
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 10; ++i) {
    auto r = proxy.get("/x");
    ASSERT_EQ(r.status, 200) << i << ": " << r.body;
  }
  EXPECT_GE(counter(proxy, "upstream_rq_retry_keepalive_race"), 9);
  EXPECT_EQ(counter(proxy, "upstream_rq_retry"), 0);  // not the policy's
}

TEST(KeepAliveRaceTest, AFreshConnectionThatFailsIsNotTheRace) {
  // The upstream resets every request: on a new connection that is an upstream failure,
  // answered 502 without a second try (there is no retry policy).
  TestServerProcess up({.mode = "http", .name = "up", .extra_args = {"--reset-requests"}});
  ASSERT_TRUE(up.ready());
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {up.port()}}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy.get("/x").status, 502);  // a fresh connection: not the race
  EXPECT_EQ(counter(proxy, "upstream_rq_retry_keepalive_race"), 0);
}

TEST(KeepAliveRaceTest, UpstreamIdleTimeoutRacesGiveNoErrors) {
  // The upstream closes connections idle for 40 ms; requests come every ~40 ms, so some meet
  // a connection as it closes. A FIN seen on an idle pooled connection retires it; one that
  // crosses the request is the race: either way the client sees no error.
  TestServerProcess up({.mode = "http", .name = "up", .extra_args = {"--idle-close-ms", "40"}});
  ASSERT_TRUE(up.ready());
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {up.port()}}}});
  ASSERT_TRUE(proxy.ready());
  int errors = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 150 && std::chrono::steady_clock::now() < deadline; ++i) {
    auto r = proxy.get("/x");
    if (r.status != 200) ++errors;
    std::this_thread::sleep_for(std::chrono::microseconds(38000 + (i % 9) * 500));
  }
  EXPECT_EQ(errors, 0);
  // Idle connections closed by the upstream were noticed and not reused.
  EXPECT_GT(counter(proxy, "upstream_cx_destroy"), 10);
}

}  // namespace
}  // namespace meshproxy::testing
