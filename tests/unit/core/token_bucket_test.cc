#include "proxy/core/token_bucket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

namespace meshproxy {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const MonotonicTime kOrigin = MonotonicTime(std::chrono::hours(10));

TokenBucketSpec spec(uint32_t max, uint32_t per_fill, milliseconds interval) {
  return TokenBucketSpec{max, per_fill, interval};
}

template <typename Bucket>
class TokenBucketTest : public ::testing::Test {};
using BucketTypes = ::testing::Types<AtomicTokenBucket, TokenBucket>;
TYPED_TEST_SUITE(TokenBucketTest, BucketTypes);

TYPED_TEST(TokenBucketTest, StartsFullAndRefusesWhenEmpty) {
  TypeParam bucket(spec(3, 1, seconds(1)), kOrigin);
  EXPECT_EQ(bucket.remaining(kOrigin), 3u);
  EXPECT_TRUE(bucket.tryConsume(kOrigin));
  EXPECT_TRUE(bucket.tryConsume(kOrigin));
  EXPECT_TRUE(bucket.tryConsume(kOrigin));
  EXPECT_FALSE(bucket.tryConsume(kOrigin));
  EXPECT_EQ(bucket.remaining(kOrigin), 0u);
}

TYPED_TEST(TokenBucketTest, FillsWholeAtEachBoundary) {
  TypeParam bucket(spec(10, 4, seconds(1)), kOrigin);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(bucket.tryConsume(kOrigin + milliseconds(10)));
  // Nothing until the boundary, however close.
  EXPECT_FALSE(bucket.tryConsume(kOrigin + milliseconds(999)));
  EXPECT_EQ(bucket.remaining(kOrigin + milliseconds(999)), 0u);
  // tokens_per_fill at once at the boundary.
  EXPECT_EQ(bucket.remaining(kOrigin + seconds(1)), 4u);
  // Two more fills: 4 + 4 + 4, capped at max_tokens.
  EXPECT_EQ(bucket.remaining(kOrigin + seconds(2)), 8u);
  EXPECT_EQ(bucket.remaining(kOrigin + seconds(3)), 10u);
  EXPECT_EQ(bucket.remaining(kOrigin + seconds(1000)), 10u);
}

TYPED_TEST(TokenBucketTest, ConsumesSeveralTokensOrNone) {
  TypeParam bucket(spec(5, 5, seconds(1)), kOrigin);
  EXPECT_TRUE(bucket.tryConsume(kOrigin, 3));
  EXPECT_FALSE(bucket.tryConsume(kOrigin, 3));  // 2 left: takes nothing
  EXPECT_EQ(bucket.remaining(kOrigin), 2u);
  EXPECT_TRUE(bucket.tryConsume(kOrigin, 2));
}

TYPED_TEST(TokenBucketTest, TimeUntilNextFill) {
  TypeParam bucket(spec(1, 1, milliseconds(500)), kOrigin);
  EXPECT_EQ(bucket.untilNextFill(kOrigin), milliseconds(500));
  EXPECT_EQ(bucket.untilNextFill(kOrigin + milliseconds(120)), milliseconds(380));
  EXPECT_EQ(bucket.untilNextFill(kOrigin + milliseconds(500)), milliseconds(500));
  EXPECT_EQ(bucket.untilNextFill(kOrigin + milliseconds(1499)), milliseconds(1));
}

// A worker whose clock read is a moment older than what another worker already stored must not
// take the bucket back in time (which would refill it twice for the same boundary).
TYPED_TEST(TokenBucketTest, AnOlderClockReadDoesNotRefillAgain) {
  TypeParam bucket(spec(2, 2, seconds(1)), kOrigin);
  ASSERT_TRUE(bucket.tryConsume(kOrigin));
  ASSERT_TRUE(bucket.tryConsume(kOrigin));
  // Worker A at 1.001 s: refill to 2, take 1.
  ASSERT_TRUE(bucket.tryConsume(kOrigin + milliseconds(1001)));
  // Worker B read 0.999 s: sees the stored state of period 1, 1 token, no extra fill.
  EXPECT_TRUE(bucket.tryConsume(kOrigin + milliseconds(999)));
  EXPECT_FALSE(bucket.tryConsume(kOrigin + milliseconds(999)));
  EXPECT_FALSE(bucket.tryConsume(kOrigin + milliseconds(1500)));
  EXPECT_TRUE(bucket.tryConsume(kOrigin + milliseconds(2000)));
}

TEST(TokenBucketArithmetic, APeriodCountThatWrappedFillsTheBucket) {
  const TokenBucketSpec s = spec(7, 1, seconds(1));
  const uint64_t empty_at_5 = token_bucket::pack(5, 0);
  // 2^31 + 5 periods later the 32-bit difference is negative: an idle of years, not a race.
  const uint32_t later = 5u + (1u << 31) + 3u;
  EXPECT_EQ(token_bucket::tokensOf(token_bucket::refill(s, empty_at_5, later)), 7u);
  EXPECT_EQ(token_bucket::periodOf(token_bucket::refill(s, empty_at_5, later)), later);
  // A small step back is a race: unchanged.
  EXPECT_EQ(token_bucket::refill(s, empty_at_5, 3), empty_at_5);
}

TEST(TokenBucketArithmetic, LargeFillsDoNotOverflow) {
  const TokenBucketSpec s = spec(UINT32_MAX, UINT32_MAX, seconds(1));
  EXPECT_EQ(token_bucket::tokensOf(token_bucket::refill(s, token_bucket::pack(0, 5), 1000)),
            UINT32_MAX);
}

// The shared and the per-connection bucket are the same arithmetic: a random script of clock
// steps and requests gives the same answers from both.
TEST(TokenBucketParity, SameAnswersForARandomScript) {
  std::mt19937_64 rng(7);
  const TokenBucketSpec s = spec(20, 3, milliseconds(50));
  AtomicTokenBucket shared(s, kOrigin);
  TokenBucket local(s, kOrigin);
  MonotonicTime now = kOrigin;
  for (int i = 0; i < 20'000; ++i) {
    now += milliseconds(rng() % 30);
    const auto n = static_cast<uint32_t>(1 + rng() % 3);
    ASSERT_EQ(shared.tryConsume(now, n), local.tryConsume(now, n)) << "step " << i;
    ASSERT_EQ(shared.remaining(now), local.remaining(now));
  }
}

// Exact across threads: with the clock held still, every token is handed out exactly once
// however the workers interleave.
TEST(AtomicTokenBucketConcurrency, EveryTokenIsTakenExactlyOnce) {
  constexpr uint32_t kTokens = 200'000;
  AtomicTokenBucket bucket(spec(kTokens, 1, seconds(3600)), kOrigin);
  std::atomic<uint64_t> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      uint64_t mine = 0;
      // Bounded: each thread tries at most twice the whole bucket.
      for (uint32_t i = 0; i < 2 * kTokens; ++i) {
        if (bucket.tryConsume(kOrigin + milliseconds(1))) {
          ++mine;
        } else if (bucket.remaining(kOrigin + milliseconds(1)) == 0) {
          break;
        }
      }
      granted += mine;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), kTokens);
}

// With the clock moving, the grants over the run are exactly the start plus one fill per
// boundary crossed, when every period drains the bucket (no fill is lost to the cap).
TEST(AtomicTokenBucketConcurrency, FillsAreNeitherLostNorDoubled) {
  constexpr uint32_t kPeriods = 200;
  constexpr uint32_t kPerFill = 50;
  AtomicTokenBucket bucket(spec(kPerFill, kPerFill, milliseconds(100)), kOrigin);
  std::atomic<uint32_t> period{0};
  std::atomic<uint64_t> granted{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      uint64_t mine = 0;
      while (!done.load()) {
        const MonotonicTime now = kOrigin + milliseconds(100) * period.load();
        if (bucket.tryConsume(now)) ++mine;
      }
      granted += mine;
    });
  }
  // The clock moves one period once the bucket is empty, so no fill is capped away.
  for (uint32_t p = 0; p < kPeriods; ++p) {
    const MonotonicTime now = kOrigin + milliseconds(100) * p;
    for (int spin = 0; spin < 50'000'000 && bucket.remaining(now) != 0; ++spin) {
      std::this_thread::yield();
    }
    ASSERT_EQ(bucket.remaining(now), 0u) << "workers did not drain period " << p;
    period.store(p + 1);
  }
  done = true;
  for (auto& t : threads) t.join();
  // kPeriods drained periods of kPerFill, plus whatever was taken of the last one.
  const uint64_t last = kPerFill - bucket.remaining(kOrigin + milliseconds(100) * kPeriods);
  EXPECT_EQ(granted.load(), uint64_t{kPeriods} * kPerFill + last);
}

}  // namespace
}  // namespace meshproxy
