// ORIGINAL_DST hosts on one worker: made on first use, shared per destination, swept after
// cleanup_interval unless a request is still using them.
#include <gtest/gtest.h>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/upstream/cluster_manager.h"

namespace meshproxy::upstream {
namespace {

struct Fixture {
  EventLoop loop;
  std::mt19937_64 random{1};
  WorkerClusterManager clusters{1, random};
  WorkerContext worker{loop, 0, clusters, random};
  ~Fixture() {
    clusters.update({});
    Timer::releasePool(loop.uv());
  }
};

TEST(OriginalDstHostsTest, MadeOnDemandSharedPerDestinationAndSwept) {
  Fixture f;
  auto config = std::make_shared<ClusterConfig>();
  config->name = "passthrough";
  config->type = DiscoveryType::kOriginalDst;
  config->lb_policy = LbPolicy::kClusterProvided;
  config->cleanup_interval = std::chrono::milliseconds(5000);
  f.clusters.update({{"passthrough", config}});
  WorkerCluster* cluster = f.clusters.get("passthrough");
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(cluster->lb->chooseHost(), -1);  // no host list: only per-connection hosts

  auto a = *network::Address::parse("10.0.0.1:80");
  auto b = *network::Address::parse("10.0.0.2:80");
  const auto& first = cluster->originalDstHost(f.worker, a);
  HostSharedPtr host_a = first.host;
  EXPECT_EQ(host_a->address().str(), "10.0.0.1:80");
  EXPECT_EQ(cluster->originalDstHost(f.worker, a).host, host_a);     // same destination, same host
  cluster->originalDstHost(f.worker, b).state->active_requests = 1;  // b is busy
  EXPECT_EQ(cluster->originalDstHostCount(), 2u);

  uint64_t now = f.loop.nowMs();
  cluster->sweepOriginalDstHosts(now + 4999);
  EXPECT_EQ(cluster->originalDstHostCount(), 2u);  // not idle long enough
  cluster->sweepOriginalDstHosts(now + 5000);
  EXPECT_EQ(cluster->originalDstHostCount(), 1u);  // a went, busy b stays
  cluster->original_dst_hosts.begin()->second.state->active_requests = 0;
  cluster->sweepOriginalDstHosts(now + 10000);
  EXPECT_EQ(cluster->originalDstHostCount(), 0u);
  // A swept host is made again on the next connection to it.
  EXPECT_NE(cluster->originalDstHost(f.worker, a).host, host_a);
}

TEST(OriginalDstHostsTest, ACleanupTimerRunsOnTheLoop) {
  Fixture f;
  auto config = std::make_shared<ClusterConfig>();
  config->name = "passthrough";
  config->type = DiscoveryType::kOriginalDst;
  config->lb_policy = LbPolicy::kClusterProvided;
  config->cleanup_interval = std::chrono::milliseconds(20);
  f.clusters.update({{"passthrough", config}});
  WorkerCluster* cluster = f.clusters.get("passthrough");
  cluster->originalDstHost(f.worker, *network::Address::parse("10.0.0.1:80"));
  // At most ~1 s of loop time: the host is gone after an interval or two.
  for (int i = 0; i < 100 && cluster->originalDstHostCount() > 0; ++i) {
    uv_run(f.loop.uv(), UV_RUN_ONCE);
  }
  EXPECT_EQ(cluster->originalDstHostCount(), 0u);
}

}  // namespace
}  // namespace meshproxy::upstream
