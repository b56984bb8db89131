// The per-worker cluster front end: host choice with an LbContext (tried hosts, host
// selection retries), worker state kept across updates, and pins that keep a replaced
// cluster alive for the streams still using it.
#include "proxy/upstream/worker_cluster.h"

#include <gtest/gtest.h>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/conn_pool.h"

namespace meshproxy::upstream {
namespace {

struct Fixture {
  EventLoop loop;
  std::mt19937_64 random{1};
  WorkerClusterManager clusters{loop, 0, 1, random};
  ~Fixture() {
    clusters.update({});
    Timer::releasePool(loop.uv());
  }
};

HostVector makeHosts(int n) {
  HostVector hosts;
  for (int i = 0; i < n; ++i) {
    auto address = *network::Address::fromIpPort("10.0.0.1", static_cast<uint32_t>(8000 + i));
    hosts.push_back(std::make_shared<Host>(address, address.str()));
  }
  return hosts;
}

std::shared_ptr<ClusterConfig> makeCluster(HostVector hosts,
                                           LbPolicy policy = LbPolicy::kRoundRobin) {
  auto config = std::make_shared<ClusterConfig>();
  config->name = "backend";
  config->lb_policy = policy;
  config->hosts = std::move(hosts);
  return config;
}

TEST(WorkerClusterTest, ChooseHostAvoidsTriedHostsWithinTheRetryCount) {
  Fixture f;
  HostVector hosts = makeHosts(3);
  f.clusters.update({{"backend", makeCluster(hosts)}});
  WorkerCluster* cluster = f.clusters.get("backend");
  ASSERT_NE(cluster, nullptr);

  LbContext retry;
  retry.addTriedHost(*hosts[0]);
  retry.addTriedHost(*hosts[1]);
  retry.setHostSelectionRetryCount(2);
  // Round robin needs at most two extra picks to get past two tried hosts, wherever it is.
  for (int i = 0; i < 6; ++i) {
    WorkerHost* host = cluster->chooseHost(retry);
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(&host->host(), hosts[2].get()) << "pick " << i;
  }
}

TEST(WorkerClusterTest, WithoutRetriesOrWhenEveryHostWasTriedThePickStands) {
  Fixture f;
  HostVector hosts = makeHosts(2);
  f.clusters.update({{"backend", makeCluster(hosts)}});
  WorkerCluster* cluster = f.clusters.get("backend");

  LbContext no_retries;  // tried hosts alone do not move the pick: Envoy's semantics
  no_retries.addTriedHost(*hosts[0]);
  int tried_picked = 0;
  for (int i = 0; i < 4; ++i)
    tried_picked += &cluster->chooseHost(no_retries)->host() == hosts[0].get();
  EXPECT_EQ(tried_picked, 2);

  LbContext all_tried;
  all_tried.addTriedHost(*hosts[0]);
  all_tried.addTriedHost(*hosts[1]);
  all_tried.setHostSelectionRetryCount(3);
  EXPECT_NE(cluster->chooseHost(all_tried), nullptr);  // best effort, never a failure
}

TEST(WorkerClusterTest, LeastRequestAlsoAvoidsTriedHosts) {
  Fixture f;
  HostVector hosts = makeHosts(2);
  f.clusters.update({{"backend", makeCluster(hosts, LbPolicy::kLeastRequest)}});
  WorkerCluster* cluster = f.clusters.get("backend");
  LbContext retry;
  retry.addTriedHost(*hosts[0]);
  retry.setHostSelectionRetryCount(20);  // P(20 more picks of host 0) = 2^-21
  for (int i = 0; i < 10; ++i) EXPECT_EQ(&cluster->chooseHost(retry)->host(), hosts[1].get());
}

TEST(WorkerClusterTest, HostsWithAHealthFlagAreNotPicked) {
  Fixture f;
  HostVector hosts = makeHosts(3);
  hosts[0]->setHealthFlag(HealthFlag::kFailedEdsHealth);
  hosts[2]->setHealthFlag(HealthFlag::kFailedOutlierCheck);
  f.clusters.update({{"backend", makeCluster(hosts)}});
  WorkerCluster* cluster = f.clusters.get("backend");
  EXPECT_EQ(cluster->hosts().size(), 3u);  // kept, with their pools, for when they recover
  for (int i = 0; i < 4; ++i) EXPECT_EQ(&cluster->chooseHost(LbContext())->host(), hosts[1].get());

  // None healthy: no host (no panic threshold yet).
  hosts[1]->setHealthFlag(HealthFlag::kFailedActiveHc);
  f.clusters.update({{"backend", makeCluster(hosts)}});
  EXPECT_EQ(f.clusters.get("backend")->chooseHost(LbContext()), nullptr);
}

TEST(WorkerClusterTest, AClusterWithoutHostsHasNone) {
  Fixture f;
  f.clusters.update({{"backend", makeCluster({})}});
  EXPECT_EQ(f.clusters.get("backend")->chooseHost(LbContext()), nullptr);
  EXPECT_EQ(f.clusters.get("other"), nullptr);
}

TEST(WorkerClusterTest, KeptHostsKeepTheirWorkerStateAndPoolsAcrossAnUpdate) {
  Fixture f;
  HostVector hosts = makeHosts(2);
  f.clusters.update({{"backend", makeCluster(hosts)}});
  WorkerCluster* first = f.clusters.get("backend");
  WorkerHost* kept = first->hosts()[1].get();
  ConnPool* pool = first->httpPool(*kept, PoolKey{});
  ASSERT_NE(pool, nullptr);
  // Another protocol is another pool of the same host.
  ConnPool* h2 = first->httpPool(*kept, PoolKey{http::Protocol::kHttp2, 0});
  ASSERT_NE(h2, nullptr);
  EXPECT_NE(h2, pool);
  EXPECT_EQ(h2->key().protocol, http::Protocol::kHttp2);
  kept->active_requests = 3;

  // New config (say a new connect_timeout): host 1 stays (same object), host 0 goes, a new
  // host arrives.
  HostVector next = {hosts[1], makeHosts(3)[2]};
  auto config = makeCluster(next);
  config->connect_timeout = std::chrono::milliseconds(123);
  f.clusters.update({{"backend", config}});
  WorkerCluster* second = f.clusters.get("backend");
  EXPECT_EQ(second->config().connect_timeout, std::chrono::milliseconds(123));
  ASSERT_EQ(second->hosts().size(), 2u);
  EXPECT_EQ(second->hosts()[0].get(), kept);
  EXPECT_EQ(second->httpPool(*second->hosts()[0], PoolKey{}), pool);
  EXPECT_EQ(second->hosts()[0]->active_requests, 3u);
  EXPECT_TRUE(second->hosts()[1]->pools().empty());
}

TEST(WorkerClusterTest, APinnedClusterIsRetiredUntilItsLastPinGoes) {
  Fixture f;
  HostVector hosts = makeHosts(1);
  f.clusters.update({{"backend", makeCluster(hosts)}});
  ClusterPin pin(*f.clusters.get("backend"));
  HostPin host_pin(*pin->chooseHost(LbContext()));
  const Host* host = &host_pin->host();

  // The cluster is removed while a stream still uses it: it stays, retired, with its hosts.
  f.clusters.update({});
  EXPECT_EQ(f.clusters.get("backend"), nullptr);
  EXPECT_EQ(f.clusters.retiredCount(), 1u);
  EXPECT_TRUE(pin->retired());
  EXPECT_EQ(pin->config().name, "backend");
  EXPECT_EQ(host->address().str(), "10.0.0.1:8000");  // still valid: the cluster holds it

  // A second pin (another stream) moves with its owner; the cluster goes with the last one.
  ClusterPin other(std::move(pin));
  EXPECT_FALSE(pin);
  host_pin.reset();
  EXPECT_EQ(f.clusters.retiredCount(), 1u);
  other.reset();
  EXPECT_EQ(f.clusters.retiredCount(), 0u);  // handed to deferred deletion
  uv_run(f.loop.uv(), UV_RUN_NOWAIT);
}

TEST(WorkerClusterTest, ClustersAreFoundBySlotAndByName) {
  Fixture f;
  f.clusters.update({{"backend", makeCluster(makeHosts(1))}});
  uint32_t slot = clusterSlots().intern("backend");
  ASSERT_NE(f.clusters.get(slot), nullptr);
  EXPECT_EQ(f.clusters.get(slot), f.clusters.get("backend"));
  // A name interned later (a route naming a cluster CDS has not sent) finds nothing.
  EXPECT_EQ(f.clusters.get(clusterSlots().intern("worker-cluster-test-missing")), nullptr);
  EXPECT_EQ(f.clusters.get(NameSlots::kNone), nullptr);
  f.clusters.update({});
  EXPECT_EQ(f.clusters.get(slot), nullptr);
}

TEST(WorkerClusterTest, AnUnpinnedReplacedClusterGoesAtOnce) {
  Fixture f;
  f.clusters.update({{"backend", makeCluster(makeHosts(1))}});
  f.clusters.update({{"backend", makeCluster(makeHosts(2))}});
  EXPECT_EQ(f.clusters.retiredCount(), 0u);
  EXPECT_EQ(f.clusters.get("backend")->hosts().size(), 2u);
}

}  // namespace
}  // namespace meshproxy::upstream
