// The per-worker cluster balancer: priority failover, panic threshold, locality weighting and
// the consistent-hashing policies as WorkerCluster uses them.
#include "proxy/upstream/cluster_balancer.h"

#include <gtest/gtest.h>

#include <map>

#include "proxy/upstream/lb_tables.h"

namespace meshproxy::upstream {
namespace {

struct Spec {
  uint32_t priority = 0;
  bool healthy = true;
  std::string zone;
  uint32_t locality_weight = 0;
};

WorkerHostVector makeHosts(const std::vector<Spec>& specs) {
  WorkerHostVector hosts;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto address = *network::Address::fromIpPort("10.1.0.1", static_cast<uint32_t>(7000 + i));
    auto host = std::make_shared<Host>(address, address.str(), 1, Locality{"r", specs[i].zone, ""},
                                       specs[i].priority);
    host->setLocalityWeight(specs[i].locality_weight);
    if (!specs[i].healthy) host->setHealthFlag(HealthFlag::kFailedActiveHc);
    hosts.push_back(std::make_shared<WorkerHost>(host));
  }
  return hosts;
}

class HashedContext : public LbContext {
 public:
  explicit HashedContext(std::optional<uint64_t> hash) : hash_(hash) {}
  std::optional<uint64_t> hashKey() const override { return hash_; }

 private:
  std::optional<uint64_t> hash_;
};

// Picks per host index over `n` picks.
std::map<size_t, int> spread(ClusterBalancer& balancer, const WorkerHostVector& hosts, int n) {
  std::map<size_t, int> out;
  LbContext context;
  for (int i = 0; i < n; ++i) {
    WorkerHost* host = balancer.pick(context, 0);
    for (size_t h = 0; h < hosts.size(); ++h) {
      if (hosts[h].get() == host) ++out[h];
    }
  }
  return out;
}

TEST(ClusterBalancerTest, PriorityOneOnlyWhenPriorityZeroFails) {
  ClusterConfig config;
  std::mt19937_64 random(1);
  WorkerHostVector hosts = makeHosts({{0}, {0}, {1}, {1}});
  ClusterBalancer healthy(config, hosts, random, 0);
  auto picks = spread(healthy, hosts, 1000);
  EXPECT_EQ(picks[0] + picks[1], 1000);

  WorkerHostVector failing = makeHosts({{0, false}, {0, false}, {1}, {1}});
  ClusterBalancer failover(config, failing, random, 0);
  picks = spread(failover, failing, 1000);
  EXPECT_EQ(picks[2] + picks[3], 1000);
}

TEST(ClusterBalancerTest, PartialFailureSpillsInProportion) {
  ClusterConfig config;
  std::mt19937_64 random(2);
  // P0: 2 of 4 healthy -> 70% stays on P0 (its two healthy hosts), 30% to P1.
  WorkerHostVector hosts = makeHosts({{0}, {0}, {0, false}, {0, false}, {1}, {1}});
  ClusterBalancer balancer(config, hosts, random, 0);
  auto picks = spread(balancer, hosts, 10000);
  EXPECT_EQ(picks[2] + picks[3], 0);
  EXPECT_NEAR((picks[0] + picks[1]) / 10000.0, 0.70, 0.03);
  EXPECT_NEAR((picks[4] + picks[5]) / 10000.0, 0.30, 0.03);
}

TEST(ClusterBalancerTest, PanicUsesAllHostsAndThresholdZeroDisablesIt) {
  std::mt19937_64 random(3);
  WorkerHostVector hosts = makeHosts({{0}, {0, false}, {0, false}, {0, false}});
  ClusterConfig config;  // default threshold 50%: 25% healthy panics
  ClusterBalancer panicking(config, hosts, random, 0);
  auto picks = spread(panicking, hosts, 400);
  EXPECT_EQ(picks.size(), 4u);
  config.lb.healthy_panic_threshold = 0;
  ClusterBalancer strict(config, hosts, random, 0);
  picks = spread(strict, hosts, 400);
  EXPECT_EQ(picks[0], 400);
  // Nothing healthy and no panic: no host.
  WorkerHostVector dead = makeHosts({{0, false}});
  ClusterBalancer none(config, dead, random, 0);
  LbContext context;
  EXPECT_EQ(none.pick(context, 0), nullptr);
  EXPECT_EQ(none.healthyHosts().size(), 0u);
}

TEST(ClusterBalancerTest, LocalityWeights) {
  ClusterConfig config;
  config.lb.locality_weighted = true;
  config.lb_policy = LbPolicy::kRandom;
  std::mt19937_64 random(4);
  // Zone a (weight 3, one host) and zone b (weight 1, three hosts): 75% / 25% by zone.
  WorkerHostVector hosts = makeHosts({{0, true, "a", 3}, {0, true, "b", 1}, {0, true, "b", 1},
                                      {0, true, "b", 1}});
  ClusterBalancer balancer(config, hosts, random, 0);
  auto picks = spread(balancer, hosts, 10000);
  EXPECT_NEAR(picks[0] / 10000.0, 0.75, 0.03);
  // A locality without weight gets nothing (Envoy).
  WorkerHostVector unweighted = makeHosts({{0, true, "a", 1}, {0, true, "b", 0}});
  ClusterBalancer skip(config, unweighted, random, 0);
  picks = spread(skip, unweighted, 100);
  EXPECT_EQ(picks[0], 100);
}

TEST(ClusterBalancerTest, RingHashSharesTablesAcrossWorkers) {
  ClusterConfig config;
  config.lb_policy = LbPolicy::kRingHash;
  std::mt19937_64 random(5);
  // Two workers: their own WorkerHosts for the same Host objects.
  WorkerHostVector worker1 = makeHosts({{0}, {0}, {0}});
  WorkerHostVector worker2;
  for (const auto& h : worker1) worker2.push_back(std::make_shared<WorkerHost>(h->sharedHost()));
  ClusterBalancer a(config, worker1, random, 0);
  ClusterBalancer b(config, worker2, random, 1);
  EXPECT_EQ(config.lb_tables->builds(), 1u);
  for (int i = 0; i < 200; ++i) {
    HashedContext context(xxHash64("key" + std::to_string(i)));
    EXPECT_EQ(&a.pick(context, 0)->host(), &b.pick(context, 0)->host());
  }
}

TEST(ClusterBalancerTest, MaglevRetryPickAvoidsTheFirstHost) {
  ClusterConfig config;
  config.lb_policy = LbPolicy::kMaglev;
  std::mt19937_64 random(6);
  WorkerHostVector hosts = makeHosts({{0}, {0}, {0}});
  ClusterBalancer balancer(config, hosts, random, 0);
  HashedContext context(12345);
  WorkerHost* first = balancer.pick(context, 0);
  bool moved = false;
  for (uint32_t attempt = 1; attempt < 10 && !moved; ++attempt) {
    moved = balancer.pick(context, attempt) != first;
  }
  EXPECT_TRUE(moved);
}

}  // namespace
}  // namespace meshproxy::upstream
