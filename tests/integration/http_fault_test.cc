// envoy.filters.http.fault in the real meshproxy, driven by curl: fixed aborts and delays,
// header-controlled ones, percentages over a bounded number of requests, max_active_faults,
// and a route whose typed_per_filter_config replaces the filter's settings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

std::string faultFilter(const std::string& body) {
  return "          - name: envoy.filters.http.fault\n"
         "            typed_config:\n"
         "              \"@type\": "
         "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\n" +
         body;
}

constexpr char kRoutes[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: /teapot }
                route: { cluster: app }
                typed_per_filter_config:
                  envoy.filters.http.fault:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                    abort: { http_status: 418, percentage: { numerator: 100 } }
              - match: { prefix: / }
                route: { cluster: app }
)";

class HttpFaultTest : public ::testing::Test {
 protected:
  void start(const std::string& filter_body) {
    ASSERT_TRUE(app_.ready());
    proxy_ = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = kRoutes,
                      .clusters = {{.name = "app", .ports = {app_.port()}}},
                      .http_filters = faultFilter(filter_body)},
        MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(proxy_->ready());
  }
  // curl: "<body>\n<status> <seconds>"
  CommandResult curlGet(const std::string& path, std::vector<std::string> headers = {}) {
    std::vector<std::string> args = {"-w", "\\n%{http_code} %{time_total}"};
    for (const auto& h : headers) {
      args.push_back("-H");
      args.push_back(h);
    }
    args.push_back(proxy_->url(path));
    return curl(args);
  }
  int64_t stat(const std::string& name) { return (*proxy_)->counterValue(name).value_or(-1); }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpFaultTest, HeaderControlledAbortAndDelay) {
  start(R"(              abort: { header_abort: {}, percentage: { numerator: 100 } }
              delay: { header_delay: {}, percentage: { numerator: 100 } }
)");
  auto plain = curlGet("/plain");
  EXPECT_THAT(plain.stdout_text, HasSubstr("\n200 "));

  auto aborted = curlGet("/x", {"x-envoy-fault-abort-request: 503"});
  EXPECT_THAT(aborted.stdout_text, HasSubstr("fault filter abort\n503 "));

  const auto start = std::chrono::steady_clock::now();
  auto delayed = curlGet("/x", {"x-envoy-fault-delay-request: 400"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(delayed.stdout_text, HasSubstr("\n200 "));
  EXPECT_GE(took, std::chrono::milliseconds(400));

  EXPECT_EQ(stat("http.ingress_http.fault.aborts_injected"), 1);
  EXPECT_EQ(stat("http.ingress_http.fault.delays_injected"), 1);
}

TEST_F(HttpFaultTest, FixedDelayThenAbortAndTheRoutesOwnSettings) {
  start(R"(              delay: { fixed_delay: 0.3s, percentage: { numerator: 100 } }
              abort: { http_status: 503, percentage: { numerator: 100 } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto r = curlGet("/x");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_THAT(r.stdout_text, HasSubstr("fault filter abort\n503 "));
  // The route's config replaces the filter's: abort 418, no delay.
  auto teapot = curlGet("/teapot");
  EXPECT_THAT(teapot.stdout_text, HasSubstr("fault filter abort\n418 "));
  EXPECT_EQ(stat("http.ingress_http.fault.delays_injected"), 1);
  EXPECT_EQ(stat("http.ingress_http.fault.aborts_injected"), 2);
  EXPECT_EQ(stat("cluster.app.upstream_rq_total"), 0);
}

TEST_F(HttpFaultTest, AbortPercentageOverBoundedRequests) {
  start(R"(              abort: { http_status: 503, percentage: { numerator: 30 } }
)");
  constexpr int kRequests = 400;
  int aborted = 0;
  for (int i = 0; i < kRequests; ++i) {
    HttpResponse r = proxy_->get("/p");
    ASSERT_TRUE(r.status == 200 || r.status == 503) << r.status << " " << r.error;
    if (r.status == 503) ++aborted;
  }
  // 30% of 400 = 120; binomial sd ~9.2, so +-40 is over 4 sd.
  EXPECT_GT(aborted, 80);
  EXPECT_LT(aborted, 160);
  EXPECT_EQ(stat("http.ingress_http.fault.aborts_injected"), aborted);
}

TEST_F(HttpFaultTest, GrpcAbortGivesTheGrpcStatus) {
  start(R"(              abort: { grpc_status: 14, percentage: { numerator: 100 } }
)");
  auto r = curl({"-i", "-X", "POST", "-H", "content-type: application/grpc",
                 proxy_->url("/pkg.Service/Method")});
  EXPECT_THAT(r.stdout_text, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(r.stdout_text, HasSubstr("grpc-status: 14"));
}

TEST_F(HttpFaultTest, MaxActiveFaultsBoundsConcurrentFaults) {
  start(R"(              delay: { fixed_delay: 1s, percentage: { numerator: 100 } }
              max_active_faults: 1
)");
  // Two requests at once: one holds the only slot for 1 s, the other is not delayed.
  CommandResult slow;
  std::thread t([&] { slow = curlGet("/a"); });
  ASSERT_TRUE((*proxy_)->waitForCounterAtLeast("http.ingress_http.fault.delays_injected", 1));
  const auto start = std::chrono::steady_clock::now();
  auto fast = curlGet("/b");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(800));
  EXPECT_THAT(fast.stdout_text, HasSubstr("\n200 "));
  t.join();
  EXPECT_THAT(slow.stdout_text, HasSubstr("\n200 "));
  EXPECT_EQ(stat("http.ingress_http.fault.faults_overflow"), 1);
}

TEST(HttpFaultConfigTest, ResponseRateLimitIsRefusedByName) {
  TempDir dir;
  std::string yaml = httpBootstrapYaml(HttpBootstrap{
      .listener_port = pickFreePort(),
      .clusters = {{.name = "app", .ports = {1}}},
      .http_filters = faultFilter(
          "              response_rate_limit: { fixed_limit: { limit_kbps: 10 }, percentage: "
          "{ numerator: 100 } }\n")});
  auto result =
      runCommand({binPath("meshproxy"), "-c", dir.writeFile("b.yaml", yaml)}, absl::Seconds(10));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("response_rate_limit"));
}

}  // namespace
}  // namespace meshproxy::testing
