#include "proxy/filters/network/local_ratelimit/network_local_ratelimit_config.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/network/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/core/strings.h"
#include "proxy/stats/store.h"
#include "tests/support/manual_time_source.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::network_local_ratelimit {
namespace {

using Proto = envoy::extensions::filters::network::local_ratelimit::v3::LocalRateLimit;
using std::chrono::milliseconds;
using std::chrono::seconds;

class NetworkLocalRateLimitConfigTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::shared_ptr<const NetworkLocalRateLimitConfig>> translate(
      std::string_view yaml) {
    return translateNetworkLocalRateLimit(test::protoFromYaml<Proto>(yaml), store_.rootScope(),
                                          clock_.monotonicTime());
  }
  std::string error(std::string_view yaml) {
    auto c = translate(yaml);
    return c.ok() ? "" : std::string(toStd(c.status().message()));
  }

  stats::Store store_;
  test::ManualTimeSource clock_;
};

TEST_F(NetworkLocalRateLimitConfigTest, TranslatesEveryField) {
  auto c = translate(R"(
stat_prefix: tcp_limit
token_bucket: {max_tokens: 3, tokens_per_fill: 2, fill_interval: 0.5s}
runtime_enabled: {default_value: true, runtime_key: ratelimit.tcp_enabled}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)->enabled);
  EXPECT_EQ((*c)->bucket->spec(), (TokenBucketSpec{3, 2, milliseconds(500)}));
  (*c)->rate_limited->inc();
  EXPECT_EQ(
      store_.rootScope().scope("local_ratelimit", "tcp_limit").counter("rate_limited").value(), 1u);

  auto off = translate(R"(
stat_prefix: x
token_bucket: {max_tokens: 1, fill_interval: 1s}
runtime_enabled: {default_value: false, runtime_key: k}
)");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE((*off)->enabled);
}

TEST_F(NetworkLocalRateLimitConfigTest, ConnectionsBeyondTheBucketAreRefusedUntilTheNextFill) {
  auto c = translate("{stat_prefix: x, token_bucket: {max_tokens: 2, fill_interval: 1s}}");
  ASSERT_TRUE(c.ok()) << c.status();
  AtomicTokenBucket& b = *(*c)->bucket;
  const MonotonicTime t0 = clock_.monotonicTime();
  EXPECT_TRUE(b.tryConsume(t0));
  EXPECT_TRUE(b.tryConsume(t0));
  EXPECT_FALSE(b.tryConsume(t0 + milliseconds(999)));
  EXPECT_TRUE(b.tryConsume(t0 + seconds(1)));  // tokens_per_fill defaults to 1
  EXPECT_FALSE(b.tryConsume(t0 + seconds(1)));
}

TEST_F(NetworkLocalRateLimitConfigTest, ShareKeySharesTheBucketAcrossConfigs) {
  constexpr std::string_view kShared =
      "{stat_prefix: x, share_key: k1, token_bucket: {max_tokens: 5, fill_interval: 1s}}";
  auto a = translate(kShared);
  auto b = translate(kShared);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->bucket, (*b)->bucket);
  // Another key or another bucket: its own.
  auto other_key = translate(
      "{stat_prefix: x, share_key: k2, token_bucket: {max_tokens: 5, fill_interval: 1s}}");
  auto other_bucket = translate(
      "{stat_prefix: x, share_key: k1, token_bucket: {max_tokens: 6, fill_interval: 1s}}");
  auto unshared = translate("{stat_prefix: x, token_bucket: {max_tokens: 5, fill_interval: 1s}}");
  EXPECT_NE((*a)->bucket, (*other_key)->bucket);
  EXPECT_NE((*a)->bucket, (*other_bucket)->bucket);
  EXPECT_NE((*a)->bucket, (*unshared)->bucket);
  EXPECT_NE(
      (*unshared)->bucket,
      (*translate("{stat_prefix: x, token_bucket: {max_tokens: 5, fill_interval: 1s}}"))->bucket);
}

TEST_F(NetworkLocalRateLimitConfigTest, Errors) {
  EXPECT_EQ(error("{token_bucket: {max_tokens: 1, fill_interval: 1s}}"),
            "local_ratelimit: stat_prefix is required");
  EXPECT_EQ(error("{stat_prefix: x}"), "local_ratelimit: token_bucket is required");
  EXPECT_NE(error("{stat_prefix: x, token_bucket: {max_tokens: 1, fill_interval: 0.01s}}")
                .find("fill_interval must be at least 50 ms"),
            std::string::npos);
  EXPECT_NE(error("{stat_prefix: x, token_bucket: {max_tokens: 0, fill_interval: 1s}}")
                .find("max_tokens"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::filters::network_local_ratelimit
