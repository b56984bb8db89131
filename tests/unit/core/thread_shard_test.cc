#include "proxy/core/thread_shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace meshproxy {
namespace {

TEST(ThreadShardTest, UnclaimedThreadsShareShardZero) {
  EXPECT_EQ(threadShard(), 0u);
  uint32_t other = 99;
  std::thread([&] { other = threadShard(); }).join();
  EXPECT_EQ(other, 0u);
}

TEST(ThreadShardTest, ClaimSetsTheThreadsShardUntilReleased) {
  uint32_t during = 0;
  uint32_t claimed = 0;
  uint32_t after = 99;
  std::thread([&] {
    {
      ThreadShardClaim claim;
      claimed = claim.index();
      during = threadShard();
    }
    after = threadShard();
  }).join();
  EXPECT_GE(claimed, 1u);
  EXPECT_EQ(during, claimed);
  EXPECT_EQ(after, 0u);
}

TEST(ThreadShardTest, ConcurrentClaimsAreDistinctAndLowestFirst) {
  constexpr int kThreads = 8;
  std::vector<uint32_t> seen(kThreads);
  std::atomic<int> claimed{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ThreadShardClaim claim;
      seen[t] = claim.index();
      claimed.fetch_add(1);
      // Hold the claim until every thread has one, so none can be reused in between.
      while (!release.load()) std::this_thread::yield();
    });
  }
  while (claimed.load() < kThreads) std::this_thread::yield();
  release = true;
  for (auto& t : threads) t.join();
  const std::set<uint32_t> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.size(), size_t{kThreads});
  EXPECT_EQ(*distinct.begin(), 1u);
  EXPECT_EQ(*distinct.rbegin(), uint32_t{kThreads});
}

TEST(ThreadShardTest, SecondClaimOnOneThreadTakesNothing) {
  std::thread([] {
    ThreadShardClaim first;
    ThreadShardClaim second;
    EXPECT_EQ(second.index(), 0u);
    EXPECT_EQ(threadShard(), first.index());
  }).join();
}

TEST(ThreadShardTest, ReleasedShardIsReused) {
  uint32_t a = 0;
  uint32_t b = 0;
  std::thread([&] { a = ThreadShardClaim().index(); }).join();
  std::thread([&] { b = ThreadShardClaim().index(); }).join();
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace meshproxy
