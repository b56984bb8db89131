#include "proxy/filters/http/local_ratelimit/local_ratelimit_config.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/core/strings.h"
#include "tests/support/manual_time_source.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::local_ratelimit {
namespace {

using Proto = envoy::extensions::filters::http::local_ratelimit::v3::LocalRateLimit;

absl::StatusOr<std::shared_ptr<const LocalRateLimitConfig>> translate(std::string_view yaml,
                                                                      bool per_route = false) {
  test::ManualTimeSource clock;
  return translateLocalRateLimit(test::protoFromYaml<Proto>(yaml), per_route,
                                 clock.monotonicTime());
}

std::string error(std::string_view yaml, bool per_route = false) {
  auto c = translate(yaml, per_route);
  return c.ok() ? "" : std::string(toStd(c.status().message()));
}

TEST(LocalRateLimitConfig, TranslatesEveryImplementedField) {
  auto c = translate(R"(
stat_prefix: http_local_rate_limiter
status: {code: ServiceUnavailable}
token_bucket: {max_tokens: 100, tokens_per_fill: 10, fill_interval: 0.5s}
filter_enabled: {runtime_key: local_rate_limit_enabled, default_value: {numerator: 100, denominator: HUNDRED}}
filter_enforced: {default_value: {numerator: 50, denominator: TEN_THOUSAND}}
request_headers_to_add_when_not_enforced: [{header: {key: x-would-limit, value: 'true'}}]
response_headers_to_add: [{append_action: OVERWRITE_IF_EXISTS_OR_ADD, header: {key: x-local-rate-limit, value: 'true'}}]
descriptors:
- entries: [{key: client_id, value: foo}]
  token_bucket: {max_tokens: 10, fill_interval: 60s}
stage: 2
enable_x_ratelimit_headers: DRAFT_VERSION_03
vh_rate_limits: INCLUDE
always_consume_default_token_bucket: false
rate_limited_as_resource_exhausted: true
)");
  ASSERT_TRUE(c.ok()) << c.status();
  const LocalRateLimitConfig& config = **c;
  EXPECT_EQ(config.stat_prefix, "http_local_rate_limiter");
  EXPECT_EQ(config.status, 503u);
  EXPECT_EQ(config.grpc_status, 8u);
  EXPECT_EQ(config.filter_enabled, (FractionalPercent{100, 100}));
  EXPECT_EQ(config.filter_enforced, (FractionalPercent{50, 10'000}));
  EXPECT_FALSE(config.request_headers_to_add_when_not_enforced.empty());
  EXPECT_FALSE(config.response_headers_to_add.empty());
  EXPECT_EQ(config.stage, 2u);
  EXPECT_TRUE(config.x_ratelimit_headers);
  EXPECT_EQ(config.vh_rate_limits, route::VhRateLimits::kInclude);
  ASSERT_TRUE(config.limiter_spec.bucket);
  EXPECT_EQ(*config.limiter_spec.bucket,
            (TokenBucketSpec{100, 10, std::chrono::milliseconds(500)}));
  EXPECT_FALSE(config.limiter_spec.always_consume_default_token_bucket);
  ASSERT_EQ(config.limiter_spec.descriptors.size(), 1u);
  EXPECT_EQ(config.limiter_spec.descriptors[0].bucket,
            (TokenBucketSpec{10, 1, std::chrono::seconds(60)}));  // tokens_per_fill default 1
  EXPECT_FALSE(config.per_connection);
  EXPECT_NE(config.shared_limiter, nullptr);
}

TEST(LocalRateLimitConfig, Defaults) {
  auto c = translate("stat_prefix: rl");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->status, 429u);  // no status, or one below 400, is 429
  EXPECT_FALSE((*c)->grpc_status);
  EXPECT_EQ((*c)->filter_enabled, FractionalPercent::never());
  EXPECT_EQ((*c)->filter_enforced, FractionalPercent::never());
  EXPECT_EQ((*c)->vh_rate_limits, route::VhRateLimits::kOverride);
  EXPECT_FALSE((*c)->limiter_spec.bucket);
  EXPECT_TRUE((*c)->limiter_spec.always_consume_default_token_bucket);
  auto low = translate("{stat_prefix: rl, status: {code: OK}}");
  ASSERT_TRUE(low.ok());
  EXPECT_EQ((*low)->status, 429u);
}

TEST(LocalRateLimitConfig, PerConnectionLimitersComeFromTheConfig) {
  auto c = translate(R"(
stat_prefix: rl
token_bucket: {max_tokens: 1, fill_interval: 1s}
local_rate_limit_per_downstream_connection: true
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)->per_connection);
  EXPECT_EQ((*c)->shared_limiter, nullptr);
  test::ManualTimeSource clock;
  auto a = (*c)->makeConnectionLimiter(clock.monotonicTime());
  auto b = (*c)->makeConnectionLimiter(clock.monotonicTime());
  EXPECT_TRUE(a->requestAllowed({}, clock.monotonicTime()).allowed);
  EXPECT_FALSE(a->requestAllowed({}, clock.monotonicTime()).allowed);
  EXPECT_TRUE(b->requestAllowed({}, clock.monotonicTime()).allowed);
}

TEST(LocalRateLimitConfig, Errors) {
  EXPECT_EQ(error("{stat_prefix: rl, local_cluster_rate_limit: {}}"),
            "local_ratelimit: unsupported field 'local_cluster_rate_limit' "
            "(envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit."
            "local_cluster_rate_limit): meshproxy does not implement it");
  EXPECT_EQ(error("{token_bucket: {max_tokens: 1, fill_interval: 1s}}"),
            "local_ratelimit: stat_prefix: is required");
  EXPECT_EQ(error("stat_prefix: rl", /*per_route=*/true),
            "local_ratelimit: token_bucket: is required in a route's config "
            "(typed_per_filter_config)");
  EXPECT_EQ(error("{stat_prefix: rl, token_bucket: {max_tokens: 1, fill_interval: 0.01s}}"),
            "local_ratelimit: token_bucket.fill_interval must be at least 50 ms");
  EXPECT_EQ(error("{stat_prefix: rl, token_bucket: {max_tokens: 0, fill_interval: 1s}}"),
            "local_ratelimit: token_bucket.max_tokens must be greater than 0");
  EXPECT_EQ(error("{stat_prefix: rl, token_bucket: {max_tokens: 1}}"),
            "local_ratelimit: token_bucket.fill_interval is required");
  EXPECT_EQ(error(R"(
stat_prefix: rl
descriptors: [{entries: [{key: k, value: v}]}]
)"),
            "local_ratelimit: descriptors[0].token_bucket: is required");
  EXPECT_EQ(error(R"(
stat_prefix: rl
token_bucket: {max_tokens: 1, fill_interval: 1s}
descriptors: [{entries: [{key: k, value: v}], token_bucket: {max_tokens: 1, fill_interval: 1.5s}}]
)"),
            "local_ratelimit: descriptors[0].token_bucket.fill_interval must be a multiple of the "
            "filter's token_bucket.fill_interval");
  EXPECT_EQ(error("{stat_prefix: rl, stage: 11}"), "local_ratelimit: stage: must be at most 10");
}

}  // namespace
}  // namespace meshproxy::filters::local_ratelimit
