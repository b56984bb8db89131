#include <gtest/gtest.h>

#include "xds/server/ratelimit_config.h"
#include "xds/server/ratelimit_decision.h"

namespace meshproxy::xds_server::ratelimit {
namespace {

using std::chrono::seconds;

constexpr char kPayments[] = R"(
domain: payments
descriptors:
- key: remote_address
  rate_limit: {unit: second, requests_per_unit: 2}
- key: client_id
  value: tenant-42
  rate_limit: {unit: minute, requests_per_unit: 3, name: tenant42}
  descriptors:
  - key: path
    rate_limit: {unlimited: true}
- key: client_id
  rate_limit: {unit: hour, requests_per_unit: 100}
- key: canary
  rate_limit: {unit: second, requests_per_unit: 1}
  shadow_mode: true
)";

std::shared_ptr<const RateLimitConfig> config() {
  auto c = RateLimitConfig::parse({kPayments});
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : nullptr;
}

// 10 s into a minute (1796256000 is a multiple of 60).
const auto kNow = std::chrono::system_clock::time_point(seconds(1796256010));

TEST(RateLimitServiceConfig, MatchingWalksTheTree) {
  auto c = config();
  auto exact = c->match("payments", {{"client_id", "tenant-42"}});
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->limit->name, "tenant42");
  EXPECT_EQ(exact->counter_key, "payments_client_id_tenant-42");
  auto any = c->match("payments", {{"client_id", "tenant-7"}});
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->limit->requests_per_unit, 100u);
  EXPECT_EQ(any->counter_key, "payments_client_id_tenant-7");  // each value its own count
  auto nested = c->match("payments", {{"client_id", "tenant-42"}, {"path", "/pay"}});
  ASSERT_TRUE(nested.has_value());
  EXPECT_TRUE(nested->limit->unlimited);
  EXPECT_FALSE(c->match("payments", {{"user", "x"}}).has_value());
  EXPECT_FALSE(c->match("payments", {{"client_id", "tenant-7"}, {"path", "/"}}).has_value());
  EXPECT_FALSE(c->match("other", {{"client_id", "tenant-42"}}).has_value());
}

TEST(RateLimitService, FixedWindowsCountAndReset) {
  auto c = config();
  InMemoryCounterStore store;
  const std::vector<Descriptor> request = {{{"remote_address", "10.0.0.1"}}};
  for (int i = 0; i < 2; ++i) {
    auto d = shouldRateLimit(*c, "payments", request, 1, kNow, store);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->overall, Code::kOk);
    EXPECT_EQ(d->statuses[0].limit_remaining, static_cast<uint32_t>(1 - i));
  }
  auto over = shouldRateLimit(*c, "payments", request, 1, kNow, store);
  EXPECT_EQ(over->overall, Code::kOverLimit);
  EXPECT_EQ(over->statuses[0].code, Code::kOverLimit);
  EXPECT_EQ(over->statuses[0].duration_until_reset, seconds(1));
  // Another address, and the next second, have their own counters.
  EXPECT_EQ(
      shouldRateLimit(*c, "payments", {{{"remote_address", "10.0.0.2"}}}, 1, kNow, store)->overall,
      Code::kOk);
  EXPECT_EQ(shouldRateLimit(*c, "payments", request, 1, kNow + seconds(1), store)->overall,
            Code::kOk);
}

TEST(RateLimitService, AnyOverLimitDescriptorLimitsTheRequestHitsAddendAndShadow) {
  auto c = config();
  InMemoryCounterStore store;
  const std::vector<Descriptor> request = {{{"client_id", "tenant-42"}}, {{"unknown", "x"}}};
  auto first = shouldRateLimit(*c, "payments", request, 3, kNow, store);  // 3 of 3
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->overall, Code::kOk);
  EXPECT_EQ(first->statuses[0].duration_until_reset, seconds(50));
  EXPECT_EQ(first->statuses[1].limit, nullptr);
  EXPECT_EQ(shouldRateLimit(*c, "payments", request, 0, kNow, store)->overall, Code::kOverLimit);

  const std::vector<Descriptor> canary = {{{"canary", "yes"}}};
  shouldRateLimit(*c, "payments", canary, 1, kNow, store);
  auto shadowed = shouldRateLimit(*c, "payments", canary, 1, kNow, store);
  EXPECT_EQ(shadowed->overall, Code::kOk);
  EXPECT_EQ(shadowed->shadow_over_limit, 1u);
}

class DownStore final : public CounterStore {
 public:
  absl::StatusOr<std::vector<uint64_t>> increment(const std::vector<CounterIncrement>&) override {
    return absl::UnavailableError("redis: connection refused");
  }
};

TEST(RateLimitService, StoreErrorsReachTheCaller) {
  auto c = config();
  DownStore store;
  auto d = shouldRateLimit(*c, "payments", {{{"remote_address", "a"}}}, 1, kNow, store);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kUnavailable);
  // Nothing matched: the store is not asked.
  EXPECT_TRUE(shouldRateLimit(*c, "payments", {{{"x", "y"}}}, 1, kNow, store).ok());
}

TEST(RateLimitServiceConfig, Errors) {
  auto error = [](std::string yaml) {
    auto c = RateLimitConfig::parse({yaml});
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  EXPECT_NE(error("domain: a\ndescriptors: [{key: k, rate_limit: {unit: fortnight, "
                  "requests_per_unit: 1}}]")
                .find("descriptors[0].rate_limit.unit"),
            std::string::npos);
  EXPECT_NE(error("domain: a\ndescriptors: [{key: k, colour: red}]").find("descriptors[0].colour"),
            std::string::npos);
  EXPECT_NE(error("descriptors: []").find("domain"), std::string::npos);
  EXPECT_NE(error("domain: a\ndescriptors: [{key: k}, {key: k}]").find("duplicate"),
            std::string::npos);
  EXPECT_NE(error("domain: a\ndescriptors: [{key: k, rate_limit: {unit: second}}]")
                .find("requests_per_unit"),
            std::string::npos);
  auto twice = RateLimitConfig::parse({"domain: a", "domain: a"});
  EXPECT_FALSE(twice.ok());
}

}  // namespace
}  // namespace meshproxy::xds_server::ratelimit
