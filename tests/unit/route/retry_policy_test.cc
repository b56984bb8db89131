// retry_policy / hedge_policy / max_stream_duration translation on routes and virtual hosts.
#include "proxy/route/retry_policy.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using std::chrono::milliseconds;
using testing::buildTable;
using testing::createError;
namespace ro = retry_on;

const Route& onlyRoute(const RouteTable& table) {
  return table.virtualHosts().front()->routes.front();
}

TEST(RetryOnParseTest, NamesAndBits) {
  std::string error;
  EXPECT_EQ(parseRetryOn("5xx, gateway-error,reset", &error),
            ro::k5xx | ro::kGatewayError | ro::kReset);
  EXPECT_EQ(error, "");
  EXPECT_EQ(parseRetryOn("unavailable,cancelled,deadline-exceeded,internal,resource-exhausted"),
            ro::kGrpcUnavailable | ro::kGrpcCancelled | ro::kGrpcDeadlineExceeded |
                ro::kGrpcInternal | ro::kGrpcResourceExhausted);
  EXPECT_EQ(parseRetryOn("connect-failure,refused-stream,retriable-4xx,envoy-ratelimited,"
                         "reset-before-request,retriable-status-codes,retriable-headers"),
            ro::kConnectFailure | ro::kRefusedStream | ro::kRetriable4xx | ro::kEnvoyRateLimited |
                ro::kResetBeforeRequest | ro::kRetriableStatusCodes | ro::kRetriableHeaders);
  // Unknown names: ignored in headers, an error in config.
  EXPECT_EQ(parseRetryOn("5xx,bogus"), ro::k5xx);
  parseRetryOn("5xx,bogus", &error);
  EXPECT_EQ(error, "unknown retry_on condition 'bogus'");
  error.clear();
  parseRetryOn("http3-post-connect-failure", &error);
  EXPECT_NE(error.find("http3-post-connect-failure"), std::string::npos);
  EXPECT_NE(error.find("not supported"), std::string::npos);
}

TEST(RetryPolicyTest, RouteFieldsTranslated) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route:
      cluster: c
      retry_policy:
        retry_on: "5xx,retriable-status-codes"
        num_retries: 3
        per_try_timeout: 0.25s
        per_try_idle_timeout: 0.1s
        retry_back_off: {base_interval: 0.01s, max_interval: 0.05s}
        rate_limited_retry_back_off:
          reset_headers: [{name: Retry-After}, {name: X-RateLimit-Reset, format: UNIX_TIMESTAMP}]
          max_interval: 30s
        retry_host_predicate: [{name: envoy.retry_host_predicates.previous_hosts}]
        host_selection_retry_max_attempts: 5
        retriable_status_codes: [409, 418]
        retriable_headers: [{name: x-retry-me, present_match: true}]
        retriable_request_headers: [{name: ":method", string_match: {exact: GET}}]
      hedge_policy: {hedge_on_per_try_timeout: true}
      max_stream_duration: {max_stream_duration: 2s}
)");
  ASSERT_NE(table, nullptr);
  const Route& route = onlyRoute(*table);
  const RetryPolicy* p = route.retryPolicy();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->retry_on, ro::k5xx | ro::kRetriableStatusCodes);
  EXPECT_EQ(p->num_retries, 3u);
  EXPECT_EQ(p->per_try_timeout, milliseconds(250));
  EXPECT_EQ(p->per_try_idle_timeout, milliseconds(100));
  EXPECT_EQ(p->base_interval, milliseconds(10));
  EXPECT_EQ(p->max_interval, milliseconds(50));
  ASSERT_EQ(p->reset_headers.size(), 2u);
  EXPECT_EQ(p->reset_headers[0].name, "retry-after");
  EXPECT_FALSE(p->reset_headers[0].unix_timestamp);
  EXPECT_TRUE(p->reset_headers[1].unix_timestamp);
  EXPECT_EQ(p->rate_limited_max_interval, milliseconds(30000));
  EXPECT_TRUE(p->previous_hosts);
  EXPECT_EQ(p->host_selection_retry_max_attempts, 5u);
  EXPECT_EQ(p->retriable_status_codes, (std::vector<uint32_t>{409, 418}));
  EXPECT_EQ(p->retriable_headers.size(), 1u);
  EXPECT_EQ(p->retriable_request_headers.size(), 1u);
  EXPECT_TRUE(route.hedgePolicy().hedge_on_per_try_timeout);
  ASSERT_NE(route.streamDuration(), nullptr);
  EXPECT_EQ(route.streamDuration()->max_stream_duration, milliseconds(2000));
  EXPECT_EQ(route.streamDuration()->grpc_timeout_header_max, std::nullopt);
}

TEST(RetryPolicyTest, EnvoyDefaults) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {cluster: c, retry_policy: {retry_on: reset}}}]
)");
  ASSERT_NE(table, nullptr);
  const RetryPolicy* p = onlyRoute(*table).retryPolicy();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->num_retries, 1u);
  EXPECT_EQ(p->base_interval, milliseconds(25));
  EXPECT_EQ(p->max_interval, milliseconds(250));
  EXPECT_EQ(p->per_try_timeout.count(), 0);
  EXPECT_FALSE(p->previous_hosts);
  EXPECT_FALSE(onlyRoute(*table).hedgePolicy().hedge_on_per_try_timeout);
}

TEST(RetryPolicyTest, MaxIntervalDefaultsToTenTimesBase) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {cluster: c, retry_policy: {retry_on: reset,
            retry_back_off: {base_interval: 0.1s}}}}]
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(onlyRoute(*table).retryPolicy()->max_interval, milliseconds(1000));
}

TEST(RetryPolicyTest, VirtualHostPolicyIsTheFallbackAndRouteReplacesIt) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  retry_policy: {retry_on: gateway-error, num_retries: 2}
  hedge_policy: {hedge_on_per_try_timeout: true}
  include_request_attempt_count: true
  include_attempt_count_in_response: true
  routes:
  - {match: {prefix: "/own"}, route: {cluster: c, retry_policy: {retry_on: reset}}}
  - {match: {prefix: "/"}, route: {cluster: c}}
)");
  ASSERT_NE(table, nullptr);
  const auto& vhost = *table->virtualHosts().front();
  EXPECT_TRUE(vhost.include_request_attempt_count);
  EXPECT_TRUE(vhost.include_attempt_count_in_response);
  const RetryPolicy* own = vhost.routes[0].retryPolicy();
  const RetryPolicy* inherited = vhost.routes[1].retryPolicy();
  ASSERT_NE(own, nullptr);
  ASSERT_NE(inherited, nullptr);
  EXPECT_EQ(own->retry_on, ro::kReset);
  EXPECT_EQ(own->num_retries, 1u);  // no merge with the virtual host's
  EXPECT_EQ(inherited->retry_on, ro::kGatewayError);
  EXPECT_EQ(inherited->num_retries, 2u);
  EXPECT_TRUE(vhost.routes[1].hedgePolicy().hedge_on_per_try_timeout);
}

TEST(RetryPolicyTest, NoPolicyAnywhere) {
  auto table = buildTable(R"(
virtual_hosts:
- {name: vh, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: c}}]}
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(onlyRoute(*table).retryPolicy(), nullptr);
}

struct Bad {
  const char* yaml_policy;
  const char* message;
};

class RetryPolicyErrorTest : public ::testing::TestWithParam<Bad> {};

TEST_P(RetryPolicyErrorTest, Rejected) {
  std::string yaml = std::string(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {cluster: c, )") +
                     GetParam().yaml_policy + "}}]\n";
  std::string error = createError(yaml);
  EXPECT_NE(error.find(GetParam().message), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Envoy, RetryPolicyErrorTest,
    ::testing::Values(
        Bad{"retry_policy: {retry_on: http3-post-connect-failure}", "http3-post-connect-failure"},
        Bad{"retry_policy: {retry_on: '5xx,sometimes'}", "unknown retry_on condition 'sometimes'"},
        Bad{"retry_policy: {retry_on: 5xx, retry_host_predicate: [{name: "
            "envoy.retry_host_predicates.omit_canary_hosts}]}",
            "omit_canary_hosts"},
        Bad{"retry_policy: {retry_on: 5xx, retry_back_off: {base_interval: 1s, max_interval: "
            "0.5s}}",
            "max_interval must be greater than or equal to the base_interval"},
        Bad{"retry_policy: {retry_on: 5xx, retry_back_off: {max_interval: 1s}}",
            "base_interval is required"},
        Bad{"retry_policy: {retry_on: 5xx, retriable_status_codes: [700]}", "700"},
        Bad{"retry_policy: {retry_on: 5xx, retry_options_predicates: [{name: x}]}",
            "retry_options_predicates"},
        Bad{"hedge_policy: {initial_requests: 2}", "initial_requests"},
        Bad{"hedge_policy: {additional_request_chance: {numerator: 10}}",
            "additional_request_chance"},
        Bad{"max_stream_duration: {grpc_timeout_header_max: -1s}", "grpc_timeout_header_max"}));

}  // namespace
}  // namespace meshproxy::route
