#include "proxy/upstream/load_balancer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace meshproxy::upstream {
namespace {

WorkerHostVector makeHosts(std::vector<uint32_t> weights) {
  WorkerHostVector hosts;
  for (size_t i = 0; i < weights.size(); ++i) {
    auto address = *network::Address::fromIpPort("127.0.0.1", static_cast<uint32_t>(8000 + i));
    hosts.push_back(
        std::make_shared<WorkerHost>(std::make_shared<Host>(address, address.str(), weights[i])));
  }
  return hosts;
}

// The index of the picked host in `hosts`, -1 for none.
int pick(LoadBalancer& lb, const WorkerHostVector& hosts) {
  LbContext context;
  WorkerHost* host = lb.pick(context);
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (hosts[i].get() == host) return static_cast<int>(i);
  }
  return -1;
}

TEST(RoundRobinTest, EmptyClusterHasNoHost) {
  WorkerHostVector hosts;
  RoundRobinLoadBalancer lb(hosts, 0);
  EXPECT_EQ(pick(lb, hosts), -1);
}

TEST(RoundRobinTest, EqualWeightsCycleFromTheSeedOffset) {
  WorkerHostVector hosts = makeHosts({1, 1, 1});
  RoundRobinLoadBalancer lb(hosts, 4);  // 4 % 3 = start at host 1
  EXPECT_EQ(pick(lb, hosts), 1);
  EXPECT_EQ(pick(lb, hosts), 2);
  EXPECT_EQ(pick(lb, hosts), 0);
  EXPECT_EQ(pick(lb, hosts), 1);
}

TEST(RoundRobinTest, WeightsSplitExactlyAndInterleave) {
  WorkerHostVector hosts = makeHosts({3, 1});
  RoundRobinLoadBalancer lb(hosts, 0);
  std::map<int, int> picks;
  std::string order;
  for (int i = 0; i < 400; ++i) {
    int h = pick(lb, hosts);
    ++picks[h];
    if (i < 4) order += (h == 0) ? 'a' : 'b';
  }
  EXPECT_EQ(picks[0], 300);
  EXPECT_EQ(picks[1], 100);
  EXPECT_EQ(order, "aaba");  // smooth: b is not last in every round of four
}

TEST(LeastRequestTest, PrefersTheLessLoadedOfTwo) {
  WorkerHostVector hosts = makeHosts({1, 1});
  hosts[0]->active_requests = 5;
  std::mt19937_64 random(42);
  LeastRequestLoadBalancer lb(hosts, random);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(pick(lb, hosts), 1);
}

TEST(LeastRequestTest, SpreadsEvenlyWhenIdleAndAvoidsHotHosts) {
  WorkerHostVector hosts = makeHosts({1, 1, 1, 1});
  std::mt19937_64 random(7);
  LeastRequestLoadBalancer lb(hosts, random);
  // Requests that never finish: P2C keeps the counts within a small spread.
  for (int i = 0; i < 400; ++i) ++hosts[static_cast<size_t>(pick(lb, hosts))]->active_requests;
  uint32_t lo = 1000, hi = 0;
  for (auto& s : hosts) {
    lo = std::min(lo, s->active_requests);
    hi = std::max(hi, s->active_requests);
  }
  EXPECT_LE(hi - lo, 3u);
}

TEST(LeastRequestTest, EmptyAndSingle) {
  std::mt19937_64 random(1);
  WorkerHostVector none;
  LeastRequestLoadBalancer empty(none, random);
  EXPECT_EQ(pick(empty, none), -1);
  WorkerHostVector one = makeHosts({1});
  LeastRequestLoadBalancer single(one, random);
  EXPECT_EQ(pick(single, one), 0);
}

TEST(LeastRequestTest, ChoiceCountFindsTheIdleHost) {
  // Seven busy hosts and one idle one: with choice_count 8 (draws with replacement after the
  // first two) the idle host wins far more often than with two choices.
  WorkerHostVector hosts = makeHosts({1, 1, 1, 1, 1, 1, 1, 1});
  for (size_t i = 1; i < hosts.size(); ++i) hosts[i]->active_requests = 10;
  std::mt19937_64 random(5);
  LeastRequestLoadBalancer two(hosts, random, 2);
  LeastRequestLoadBalancer eight(hosts, random, 8);
  int idle_two = 0, idle_eight = 0;
  for (int i = 0; i < 2000; ++i) {
    idle_two += pick(two, hosts) == 0;
    idle_eight += pick(eight, hosts) == 0;
  }
  EXPECT_NEAR(idle_two / 2000.0, 0.25, 0.05);  // 2 distinct of 8: P(idle drawn) = 1/4
  EXPECT_GT(idle_eight / 2000.0, 0.6);
}

TEST(LeastRequestTest, WeightedFollowsWeightsWhenIdle) {
  WorkerHostVector hosts = makeHosts({3, 1});
  std::mt19937_64 random(5);
  LeastRequestLoadBalancer lb(hosts, random);
  std::map<int, int> picks;
  for (int i = 0; i < 400; ++i) ++picks[pick(lb, hosts)];
  EXPECT_NEAR(picks[0], 300, 5);
  EXPECT_NEAR(picks[1], 100, 5);
}

TEST(LeastRequestTest, WeightedBiasAvoidsTheBusyHost) {
  WorkerHostVector hosts = makeHosts({2, 1});
  std::mt19937_64 random(5);
  // The heavier host is busy (9 active): weight 2 / 10 < 1 / 1, the light host gets most picks.
  hosts[0]->active_requests = 9;
  LeastRequestLoadBalancer biased(hosts, random, 2, 1.0);
  std::map<int, int> picks;
  for (int i = 0; i < 300; ++i) ++picks[pick(biased, hosts)];
  EXPECT_GT(picks[1], 200);
  // active_request_bias 0: plain weights, active requests ignored.
  LeastRequestLoadBalancer plain(hosts, random, 2, 0.0);
  picks.clear();
  for (int i = 0; i < 300; ++i) ++picks[pick(plain, hosts)];
  EXPECT_NEAR(picks[0], 200, 5);
}

TEST(RandomTest, SpreadsByWeight) {
  WorkerHostVector hosts = makeHosts({1, 1, 2});
  std::mt19937_64 random(11);
  RandomLoadBalancer lb(hosts, random);
  std::map<int, int> picks;
  for (int i = 0; i < 20000; ++i) ++picks[pick(lb, hosts)];
  EXPECT_NEAR(picks[0] / 20000.0, 0.25, 0.02);
  EXPECT_NEAR(picks[1] / 20000.0, 0.25, 0.02);
  EXPECT_NEAR(picks[2] / 20000.0, 0.50, 0.02);
  WorkerHostVector none;
  RandomLoadBalancer empty(none, random);
  EXPECT_EQ(pick(empty, none), -1);
}

TEST(RandomTest, EqualWeightsEven) {
  WorkerHostVector hosts = makeHosts({1, 1, 1, 1});
  std::mt19937_64 random(12);
  RandomLoadBalancer lb(hosts, random);
  std::map<int, int> picks;
  for (int i = 0; i < 20000; ++i) ++picks[pick(lb, hosts)];
  for (int h = 0; h < 4; ++h) EXPECT_NEAR(picks[h] / 20000.0, 0.25, 0.02);
}

}  // namespace
}  // namespace meshproxy::upstream
