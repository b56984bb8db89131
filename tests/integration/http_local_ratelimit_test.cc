// envoy.filters.http.local_ratelimit in the real meshproxy (2 workers sharing the bucket): a
// burst beyond the bucket gets 429 with the x-ratelimit-* headers and response_headers_to_add,
// the refill lets requests through again; a route's typed_per_filter_config has its own
// bucket; a descriptor from the route's rate_limits (request_headers) has its own bucket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kFilter[] = R"(          - name: envoy.filters.http.local_ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              stat_prefix: http_rl
              token_bucket: { max_tokens: 3, tokens_per_fill: 3, fill_interval: 2s }
              filter_enabled: { default_value: { numerator: 100 } }
              filter_enforced: { default_value: { numerator: 100 } }
              enable_x_ratelimit_headers: DRAFT_VERSION_03
              response_headers_to_add: [ { header: { key: x-limited-by, value: sidecar } } ]
              descriptors:
              - entries: [ { key: user, value: alice } ]
                token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s }
)";

constexpr char kRoutes[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: /strict }
                route: { cluster: app }
                typed_per_filter_config:
                  envoy.filters.http.local_ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: strict
                    token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s }
                    filter_enabled: { default_value: { numerator: 100 } }
                    filter_enforced: { default_value: { numerator: 100 } }
              - match: { prefix: /users }
                route:
                  cluster: app
                  rate_limits: [ { actions: [ { request_headers: { header_name: x-user, descriptor_key: user } } ] } ]
              - match: { prefix: / }
                route: { cluster: app }
)";

class HttpLocalRateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    proxy_ = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = kRoutes,
                      .clusters = {{.name = "app", .ports = {app_.port()}}},
                      .http_filters = kFilter},
        MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(proxy_->ready());
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpLocalRateLimitTest, BurstBeyondTheBucketGets429AndTheRefillRestores) {
  int ok = 0;
  HttpResponse limited;
  for (int i = 0; i < 10 && limited.status == 0; ++i) {
    HttpResponse r = proxy_->get("/burst");
    if (r.status == 200) {
      ++ok;
    } else {
      limited = r;
    }
  }
  // 3 tokens; a refill (every 2 s) may fall inside the burst and add 3 more.
  EXPECT_TRUE(ok == 3 || ok == 6) << ok;
  ASSERT_EQ(limited.status, 429) << limited.error;
  EXPECT_EQ(limited.body, "local_rate_limited");
  EXPECT_EQ(limited.header("x-limited-by"), "sidecar");
  EXPECT_EQ(limited.header("x-ratelimit-limit"), "3");
  EXPECT_EQ(limited.header("x-ratelimit-remaining"), "0");
  ASSERT_TRUE(limited.header("x-ratelimit-reset").has_value());
  const int reset = std::stoi(*limited.header("x-ratelimit-reset"));
  EXPECT_GE(reset, 1);
  EXPECT_LE(reset, 2);

  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  HttpResponse refilled = proxy_->get("/burst");
  EXPECT_EQ(refilled.status, 200);
  EXPECT_EQ(refilled.header("x-ratelimit-limit"), "3");
  EXPECT_EQ(refilled.header("x-ratelimit-remaining"), "2");
  EXPECT_TRUE((*proxy_)->waitForCounterAtLeast("http_rl.http_local_rate_limit.rate_limited", 1));
  EXPECT_GE((*proxy_)->counterValue("http_rl.http_local_rate_limit.ok").value_or(0), 4);
}

TEST_F(HttpLocalRateLimitTest, RouteConfigHasItsOwnBucket) {
  EXPECT_EQ(proxy_->get("/strict").status, 200);
  HttpResponse second = proxy_->get("/strict");
  EXPECT_EQ(second.status, 429);
  EXPECT_FALSE(second.hasHeader("x-ratelimit-limit"));  // the route's config does not ask
  // The filter's bucket is another one.
  EXPECT_EQ(proxy_->get("/other").status, 200);
}

TEST_F(HttpLocalRateLimitTest, DescriptorFromRouteRateLimitsHasItsOwnBucket) {
  EXPECT_EQ(proxy_->get("/users", {{"x-user", "alice"}}).status, 200);
  HttpResponse alice = proxy_->get("/users", {{"x-user", "alice"}});
  EXPECT_EQ(alice.status, 429);
  EXPECT_EQ(alice.header("x-ratelimit-limit"), "1");
  // bob matches no descriptor: the default bucket.
  EXPECT_EQ(proxy_->get("/users", {{"x-user", "bob"}}).status, 200);
}

TEST(HttpLocalRateLimitConfigTest, UnimplementedFieldIsRefusedByName) {
  TempDir dir;
  std::string yaml = httpBootstrapYaml(
      HttpBootstrap{.listener_port = pickFreePort(),
                    .clusters = {{.name = "app", .ports = {1}}},
                    .http_filters = R"(          - name: envoy.filters.http.local_ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              stat_prefix: x
              local_rate_limit_per_downstream_connection: true
              token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 1s }
)"});
  auto result =
      runCommand({binPath("meshproxy"), "-c", dir.writeFile("b.yaml", yaml)}, absl::Seconds(10));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("local_rate_limit_per_downstream_connection"));
}

}  // namespace
}  // namespace meshproxy::testing
