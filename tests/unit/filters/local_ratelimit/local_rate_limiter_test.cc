#include "proxy/filters/http/local_ratelimit/local_rate_limiter.h"

#include <gtest/gtest.h>

#include <vector>

#include "proxy/core/strings.h"
#include "tests/support/manual_time_source.h"

namespace meshproxy::filters::local_ratelimit {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

route::RateLimitDescriptor descriptor(
    std::initializer_list<std::pair<const char*, const char*>> e) {
  route::RateLimitDescriptor d;
  for (const auto& [k, v] : e) d.add(k, v);
  return d;
}

struct Fixture {
  test::ManualTimeSource clock;
  LocalRateLimiterSpec spec;
  std::shared_ptr<const DescriptorIndex> index;

  std::unique_ptr<SharedLocalRateLimiter> make() {
    auto i = DescriptorIndex::create(spec);
    EXPECT_TRUE(i.ok()) << i.status();
    index = *i;
    return std::make_unique<SharedLocalRateLimiter>(spec, index, clock.monotonicTime());
  }
};

TEST(LocalRateLimiter, DefaultBucketOnly) {
  Fixture f;
  f.spec.bucket = TokenBucketSpec{2, 2, seconds(1)};
  auto limiter = f.make();
  const auto now = f.clock.monotonicTime();
  EXPECT_TRUE(limiter->requestAllowed({}, now).allowed);
  EXPECT_TRUE(limiter->requestAllowed({}, now).allowed);
  auto refused = limiter->requestAllowed({}, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.bucket, RateLimitResult::kDefault);
  f.clock.advance(seconds(1));
  EXPECT_TRUE(limiter->requestAllowed({}, f.clock.monotonicTime()).allowed);
}

TEST(LocalRateLimiter, NoBucketNeverLimits) {
  Fixture f;
  auto limiter = f.make();
  for (int i = 0; i < 100; ++i) {
    auto r = limiter->requestAllowed({}, f.clock.monotonicTime());
    ASSERT_TRUE(r.allowed);
    ASSERT_EQ(r.bucket, RateLimitResult::kNone);
  }
  EXPECT_FALSE(limiter->xRateLimit({true, RateLimitResult::kNone}, f.clock.monotonicTime()));
}

TEST(LocalRateLimiter, MatchedDescriptorUsesItsBucketAndTheDefaultOne) {
  Fixture f;
  f.spec.bucket = TokenBucketSpec{3, 3, seconds(1)};
  f.spec.descriptors.push_back({{{"client", "a"}}, TokenBucketSpec{1, 1, seconds(1)}});
  auto limiter = f.make();
  const auto now = f.clock.monotonicTime();
  std::vector<route::RateLimitDescriptor> a{descriptor({{"client", "a"}})};
  std::vector<route::RateLimitDescriptor> b{descriptor({{"client", "b"}})};
  EXPECT_TRUE(limiter->requestAllowed(a, now).allowed);  // a's bucket and the default: 1 + 1
  auto refused = limiter->requestAllowed(a, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.bucket, 0);
  // b matches nothing: the default bucket only (2 left after a's request).
  EXPECT_TRUE(limiter->requestAllowed(b, now).allowed);
  EXPECT_TRUE(limiter->requestAllowed(b, now).allowed);
  EXPECT_FALSE(limiter->requestAllowed(b, now).allowed);
}

TEST(LocalRateLimiter, WithoutAlwaysConsumeTheDefaultBucketIsSpared) {
  Fixture f;
  f.spec.bucket = TokenBucketSpec{1, 1, seconds(1)};
  f.spec.always_consume_default_token_bucket = false;
  f.spec.descriptors.push_back({{{"client", "a"}}, TokenBucketSpec{5, 5, seconds(1)}});
  auto limiter = f.make();
  const auto now = f.clock.monotonicTime();
  std::vector<route::RateLimitDescriptor> a{descriptor({{"client", "a"}})};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter->requestAllowed(a, now).allowed);
  EXPECT_FALSE(limiter->requestAllowed(a, now).allowed);
  EXPECT_TRUE(limiter->requestAllowed({}, now).allowed);  // the default bucket is still full
}

TEST(LocalRateLimiter, StrictestBucketFirstSoARefusalCostsTheLooserNothing) {
  Fixture f;
  f.spec.bucket = TokenBucketSpec{100, 100, seconds(1)};
  // Config order: the loose one first. 10/s vs 1/s.
  f.spec.descriptors.push_back({{{"path", "/"}}, TokenBucketSpec{10, 10, seconds(1)}});
  f.spec.descriptors.push_back({{{"user", "u"}}, TokenBucketSpec{1, 1, seconds(1)}});
  auto limiter = f.make();
  const auto now = f.clock.monotonicTime();
  std::vector<route::RateLimitDescriptor> both{descriptor({{"path", "/"}}),
                                               descriptor({{"user", "u"}})};
  EXPECT_TRUE(limiter->requestAllowed(both, now).allowed);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter->requestAllowed(both, now).allowed);
  // The refusals were charged to the strict bucket only: the loose one has 9 left.
  std::vector<route::RateLimitDescriptor> path{descriptor({{"path", "/"}})};
  auto r = limiter->requestAllowed(path, now);
  ASSERT_TRUE(r.allowed);
  EXPECT_EQ(limiter->xRateLimit(r, now)->remaining, 8u);
}

TEST(LocalRateLimiter, DescriptorEntriesMustMatchExactlyAndInOrder) {
  Fixture f;
  f.spec.bucket = TokenBucketSpec{100, 100, seconds(1)};
  f.spec.descriptors.push_back({{{"k1", "v1"}, {"k2", "v2"}}, TokenBucketSpec{1, 1, seconds(1)}});
  auto limiter = f.make();
  EXPECT_EQ(f.index->find(descriptor({{"k1", "v1"}, {"k2", "v2"}})), 0);
  EXPECT_EQ(f.index->find(descriptor({{"k2", "v2"}, {"k1", "v1"}})), -1);
  EXPECT_EQ(f.index->find(descriptor({{"k1", "v1"}})), -1);
  EXPECT_EQ(f.index->find(descriptor({{"k1", "v1"}, {"k2", "v2"}, {"k3", "v3"}})), -1);
  // A value holding what looks like another entry cannot forge a match.
  EXPECT_EQ(f.index->find(descriptor({{"k1", std::string("v1\0\0\0\x02k2", 9).c_str()}})), -1);
}

TEST(LocalRateLimiter, ARequestChargesABucketOnceEvenIfTwoDescriptorsMatchIt) {
  Fixture f;
  f.spec.descriptors.push_back({{{"k", "v"}}, TokenBucketSpec{2, 2, seconds(1)}});
  auto limiter = f.make();
  const auto now = f.clock.monotonicTime();
  std::vector<route::RateLimitDescriptor> twice{descriptor({{"k", "v"}}), descriptor({{"k", "v"}})};
  EXPECT_TRUE(limiter->requestAllowed(twice, now).allowed);
  EXPECT_TRUE(limiter->requestAllowed(twice, now).allowed);
  EXPECT_FALSE(limiter->requestAllowed(twice, now).allowed);
}

TEST(LocalRateLimiter, ConfigErrors) {
  LocalRateLimiterSpec spec;
  spec.bucket = TokenBucketSpec{10, 10, milliseconds(100)};
  spec.descriptors.push_back({{{"a", "1"}}, TokenBucketSpec{1, 1, milliseconds(150)}});
  auto multiple = DescriptorIndex::create(spec);
  ASSERT_FALSE(multiple.ok());
  EXPECT_EQ(toStd(multiple.status().message()),
            "descriptors[0].token_bucket.fill_interval must be a multiple of the filter's "
            "token_bucket.fill_interval");
  spec.descriptors[0].bucket.fill_interval = milliseconds(300);
  spec.descriptors.push_back({{{"a", "1"}}, TokenBucketSpec{2, 1, milliseconds(200)}});
  auto duplicate = DescriptorIndex::create(spec);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(toStd(duplicate.status().message()).find("duplicate descriptor (a=1)"),
            std::string::npos);
}

TEST(LocalRateLimiter, XRateLimitValues) {
  Fixture f;
  f.spec.bucket = TokenBucketSpec{10, 5, seconds(60)};
  auto limiter = f.make();
  f.clock.advance(milliseconds(10'500));
  const auto now = f.clock.monotonicTime();
  auto r = limiter->requestAllowed({}, now);
  auto x = limiter->xRateLimit(r, now);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->limit, 10u);
  EXPECT_EQ(x->remaining, 9u);
  EXPECT_EQ(x->reset_seconds, 50u);  // 49.5 s to the next fill, rounded up
}

TEST(LocalRateLimiter, PerConnectionLimitersAreIndependent) {
  LocalRateLimiterSpec spec;
  spec.bucket = TokenBucketSpec{1, 1, seconds(1)};
  auto index = *DescriptorIndex::create(spec);
  test::ManualTimeSource clock;
  ConnectionLocalRateLimiter c1(spec, index, clock.monotonicTime());
  ConnectionLocalRateLimiter c2(spec, index, clock.monotonicTime());
  EXPECT_TRUE(c1.requestAllowed({}, clock.monotonicTime()).allowed);
  EXPECT_FALSE(c1.requestAllowed({}, clock.monotonicTime()).allowed);
  EXPECT_TRUE(c2.requestAllowed({}, clock.monotonicTime()).allowed);
}

}  // namespace
}  // namespace meshproxy::filters::local_ratelimit
