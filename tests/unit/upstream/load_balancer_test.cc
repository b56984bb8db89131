#include "proxy/upstream/load_balancer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace meshproxy::upstream {
namespace {

HostVector makeHosts(std::vector<uint32_t> weights) {
  HostVector hosts;
  for (size_t i = 0; i < weights.size(); ++i) {
    auto address = *network::Address::fromIpPort("127.0.0.1", static_cast<uint32_t>(8000 + i));
    hosts.push_back(std::make_shared<Host>(address, address.str(), weights[i]));
  }
  return hosts;
}

TEST(RoundRobinTest, EmptyClusterHasNoHost) {
  HostVector hosts;
  RoundRobinLoadBalancer lb(hosts, 0);
  EXPECT_EQ(lb.chooseHost(), -1);
}

TEST(RoundRobinTest, EqualWeightsCycleFromTheSeedOffset) {
  HostVector hosts = makeHosts({1, 1, 1});
  RoundRobinLoadBalancer lb(hosts, 4);  // 4 % 3 = start at host 1
  EXPECT_EQ(lb.chooseHost(), 1);
  EXPECT_EQ(lb.chooseHost(), 2);
  EXPECT_EQ(lb.chooseHost(), 0);
  EXPECT_EQ(lb.chooseHost(), 1);
}

TEST(RoundRobinTest, WeightsSplitExactlyAndInterleave) {
  HostVector hosts = makeHosts({3, 1});
  RoundRobinLoadBalancer lb(hosts, 0);
  std::map<int, int> picks;
  std::string order;
  for (int i = 0; i < 400; ++i) {
    int h = lb.chooseHost();
    ++picks[h];
    if (i < 4) order += (h == 0) ? 'a' : 'b';
  }
  EXPECT_EQ(picks[0], 300);
  EXPECT_EQ(picks[1], 100);
  EXPECT_EQ(order, "aaba");  // smooth: b is not last in every round of four
}

TEST(LeastRequestTest, PrefersTheLessLoadedOfTwo) {
  HostVector hosts = makeHosts({1, 1});
  HostStateVector states = {std::make_shared<HostState>(), std::make_shared<HostState>()};
  states[0]->active_requests = 5;
  std::mt19937_64 random(42);
  LeastRequestLoadBalancer lb(hosts, states, random);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(lb.chooseHost(), 1);
}

TEST(LeastRequestTest, SpreadsEvenlyWhenIdleAndAvoidsHotHosts) {
  HostVector hosts = makeHosts({1, 1, 1, 1});
  HostStateVector states;
  for (int i = 0; i < 4; ++i) states.push_back(std::make_shared<HostState>());
  std::mt19937_64 random(7);
  LeastRequestLoadBalancer lb(hosts, states, random);
  // Requests that never finish: P2C keeps the counts within a small spread.
  for (int i = 0; i < 400; ++i) ++states[static_cast<size_t>(lb.chooseHost())]->active_requests;
  uint32_t lo = 1000, hi = 0;
  for (auto& s : states) {
    lo = std::min(lo, s->active_requests);
    hi = std::max(hi, s->active_requests);
  }
  EXPECT_LE(hi - lo, 3u);
}

TEST(LeastRequestTest, EmptyAndSingle) {
  std::mt19937_64 random(1);
  HostVector none;
  HostStateVector no_states;
  LeastRequestLoadBalancer empty(none, no_states, random);
  EXPECT_EQ(empty.chooseHost(), -1);
  HostVector one = makeHosts({1});
  HostStateVector one_state = {std::make_shared<HostState>()};
  LeastRequestLoadBalancer single(one, one_state, random);
  EXPECT_EQ(single.chooseHost(), 0);
}

}  // namespace
}  // namespace meshproxy::upstream
