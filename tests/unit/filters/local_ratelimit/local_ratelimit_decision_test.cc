#include "proxy/filters/http/local_ratelimit/local_ratelimit_decision.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

#include "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/stats/store.h"
#include "tests/support/manual_time_source.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::local_ratelimit {
namespace {

using Proto = envoy::extensions::filters::http::local_ratelimit::v3::LocalRateLimit;
using std::chrono::milliseconds;
using std::chrono::seconds;

class LocalRateLimitDecisionTest : public ::testing::Test {
 protected:
  std::shared_ptr<const LocalRateLimitConfig> config(std::string_view yaml) {
    auto c =
        translateLocalRateLimit(test::protoFromYaml<Proto>(yaml), false, clock_.monotonicTime());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : nullptr;
  }
  LocalRateLimitDecision decide(const LocalRateLimitConfig& c) {
    return decideRequest(c, *c.shared_limiter, {}, clock_.monotonicTime(), random_, stats_);
  }
  uint64_t stat(std::string_view name) {
    return store_.rootScope().scope("rl").scope("http_local_rate_limit").counter(name).value();
  }

  test::ManualTimeSource clock_;
  stats::Store store_;
  LocalRateLimitStats stats_ = makeLocalRateLimitStats(store_.rootScope(), "rl");
  SeededRandom random_{1};
};

constexpr std::string_view kEnforced = R"(
stat_prefix: rl
token_bucket: {max_tokens: 2, tokens_per_fill: 2, fill_interval: 1s}
filter_enabled: {default_value: {numerator: 100}, runtime_key: e}
filter_enforced: {default_value: {numerator: 100}, runtime_key: f}
)";

TEST_F(LocalRateLimitDecisionTest, AllowedThenLimitedThenRefilled) {
  auto c = config(kEnforced);
  EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kAllowed);
  EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kAllowed);
  EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kLimited);
  clock_.advance(seconds(1));
  EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kAllowed);
  EXPECT_EQ(stat("enabled"), 4u);
  EXPECT_EQ(stat("ok"), 3u);
  EXPECT_EQ(stat("rate_limited"), 1u);
  EXPECT_EQ(stat("enforced"), 1u);
}

TEST_F(LocalRateLimitDecisionTest, UnsetFractionsLeaveTheFilterOff) {
  // Envoy's rule: filter_enabled and filter_enforced default to 0%.
  auto c = config("stat_prefix: rl\ntoken_bucket: {max_tokens: 1, fill_interval: 1s}");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kDisabled);
  EXPECT_EQ(stat("enabled"), 0u);
}

TEST_F(LocalRateLimitDecisionTest, EnabledButNotEnforcedOnlyCounts) {
  auto c = config(R"(
stat_prefix: rl
token_bucket: {max_tokens: 1, fill_interval: 1s}
filter_enabled: {default_value: {numerator: 100}, runtime_key: e}
request_headers_to_add_when_not_enforced: [{header: {key: x-would-limit, value: 'true'}}]
)");
  EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kAllowed);
  EXPECT_EQ(decide(*c).action, LocalRateLimitAction::kLimitedNotEnforced);
  EXPECT_EQ(stat("rate_limited"), 1u);
  EXPECT_EQ(stat("enforced"), 0u);
}

TEST_F(LocalRateLimitDecisionTest, XRateLimitHeaders) {
  auto c = config(std::string(kEnforced) + "enable_x_ratelimit_headers: DRAFT_VERSION_03\n");
  clock_.advance(milliseconds(300));
  const LocalRateLimitDecision d = decide(*c);
  ASSERT_TRUE(d.x_ratelimit.has_value());
  http::HeaderMap response = {{":status", "200"}};
  addXRateLimitHeaders(*d.x_ratelimit, response);
  EXPECT_EQ(response.get("x-ratelimit-limit"), "2");
  EXPECT_EQ(response.get("x-ratelimit-remaining"), "1");
  EXPECT_EQ(response.get("x-ratelimit-reset"), "1");  // 0.7 s, rounded up
  EXPECT_FALSE(decide(*config(kEnforced)).x_ratelimit.has_value());
}

// The issue's "100 req/s, 2 workers, 10 s at 500 req/s -> 1000 successes", without a clock:
// two threads race on the shared limiter through 10 fill periods, each trying 500 times a
// period. The shared bucket is exact: exactly 100 successes per period, 1000 in all.
TEST_F(LocalRateLimitDecisionTest, SharedLimiterIsExactAcrossWorkers) {
  auto c = config(R"(
stat_prefix: rl
token_bucket: {max_tokens: 100, tokens_per_fill: 100, fill_interval: 1s}
filter_enabled: {default_value: {numerator: 100}}
filter_enforced: {default_value: {numerator: 100}}
)");
  const MonotonicTime origin = clock_.monotonicTime();
  constexpr int kPeriods = 10;
  constexpr int kAttemptsPerPeriod = 500;
  std::barrier sync(2);
  std::atomic<int> allowed{0};
  auto worker = [&](uint64_t seed) {
    SeededRandom random(seed);
    for (int p = 0; p < kPeriods; ++p) {
      sync.arrive_and_wait();  // both workers in the same period
      const MonotonicTime now = origin + seconds(p) + milliseconds(500);
      for (int i = 0; i < kAttemptsPerPeriod; ++i) {
        const auto d = decideRequest(*c, *c->shared_limiter, {}, now, random, stats_);
        if (d.action == LocalRateLimitAction::kAllowed) allowed.fetch_add(1);
      }
    }
  };
  std::thread a(worker, 1), b(worker, 2);
  a.join();
  b.join();
  EXPECT_EQ(allowed.load(), kPeriods * 100);
  EXPECT_EQ(stat("ok"), uint64_t{kPeriods * 100});
  EXPECT_EQ(stat("rate_limited"), uint64_t{kPeriods * (2 * kAttemptsPerPeriod - 100)});
}

TEST_F(LocalRateLimitDecisionTest, PerConnectionLimiter) {
  auto c = config(std::string(kEnforced) + "local_rate_limit_per_downstream_connection: true\n");
  ASSERT_EQ(c->shared_limiter, nullptr);
  auto first = c->makeConnectionLimiter(clock_.monotonicTime());
  auto second = c->makeConnectionLimiter(clock_.monotonicTime());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(decideRequest(*c, *first, {}, clock_.monotonicTime(), random_, stats_).action,
              LocalRateLimitAction::kAllowed);
  }
  EXPECT_EQ(decideRequest(*c, *first, {}, clock_.monotonicTime(), random_, stats_).action,
            LocalRateLimitAction::kLimited);
  EXPECT_EQ(decideRequest(*c, *second, {}, clock_.monotonicTime(), random_, stats_).action,
            LocalRateLimitAction::kAllowed);
}

}  // namespace
}  // namespace meshproxy::filters::local_ratelimit
