#include "proxy/upstream/load_balancer.h"

#include <gtest/gtest.h>

#include <map>

namespace meshproxy::upstream {
namespace {

HostVector makeHosts(std::vector<uint32_t> weights) {
  HostVector hosts;
  for (size_t i = 0; i < weights.size(); ++i) {
    auto h = std::make_shared<Host>();
    h->address = *network::Address::fromIpPort("127.0.0.1", static_cast<uint32_t>(8000 + i));
    h->weight = weights[i];
    hosts.push_back(h);
  }
  return hosts;
}

TEST(RoundRobinTest, EmptyClusterHasNoHost) {
  HostVector hosts;
  RoundRobinLoadBalancer lb(hosts, 0);
  EXPECT_EQ(lb.chooseHost(), nullptr);
}

TEST(RoundRobinTest, EqualWeightsCycleFromTheSeedOffset) {
  HostVector hosts = makeHosts({1, 1, 1});
  RoundRobinLoadBalancer lb(hosts, 4);  // 4 % 3 = start at host 1
  EXPECT_EQ(lb.chooseHost(), hosts[1].get());
  EXPECT_EQ(lb.chooseHost(), hosts[2].get());
  EXPECT_EQ(lb.chooseHost(), hosts[0].get());
  EXPECT_EQ(lb.chooseHost(), hosts[1].get());
}

TEST(RoundRobinTest, WeightsSplitExactlyAndInterleave) {
  HostVector hosts = makeHosts({3, 1});
  RoundRobinLoadBalancer lb(hosts, 0);
  std::map<const Host*, int> picks;
  std::string order;
  for (int i = 0; i < 400; ++i) {
    const Host* h = lb.chooseHost();
    ++picks[h];
    if (i < 4) order += (h == hosts[0].get()) ? 'a' : 'b';
  }
  EXPECT_EQ(picks[hosts[0].get()], 300);
  EXPECT_EQ(picks[hosts[1].get()], 100);
  EXPECT_EQ(order, "aaba");  // smooth: b is not last in every round of four
}

}  // namespace
}  // namespace meshproxy::upstream
