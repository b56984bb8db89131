// ORIGINAL_DST hosts on one worker: made on first use, shared per destination, swept after
// cleanup_interval unless a request is still using them.
#include <gtest/gtest.h>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/http/header_map.h"
#include "proxy/upstream/cluster_manager.h"

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

// A request that names its destination in x-envoy-original-dst-host.
struct HeaderContext : LbContext {
  explicit HeaderContext(std::string destination) {
    headers.addLowercase("x-envoy-original-dst-host", std::move(destination));
  }
  const http::HeaderMap* downstreamHeaders() const override { return &headers; }
  http::HeaderMap headers;
};

std::shared_ptr<ClusterConfig> passthrough(std::chrono::milliseconds cleanup_interval) {
  auto config = std::make_shared<ClusterConfig>();
  config->name = "passthrough";
  config->type = DiscoveryType::kOriginalDst;
  config->lb_policy = LbPolicy::kClusterProvided;
  config->cleanup_interval = cleanup_interval;
  config->original_dst_use_http_header = true;
  return config;
}

TEST(OriginalDstHostsTest, MadeOnDemandSharedPerDestinationAndSwept) {
  Fixture f;
  f.clusters.update({{"passthrough", passthrough(std::chrono::milliseconds(5000))}});
  WorkerCluster* cluster = f.clusters.get("passthrough");
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(cluster->chooseHost(LbContext()), nullptr);  // no destination, no host

  WorkerHost* a = cluster->chooseHost(HeaderContext("10.0.0.1:80"));
  ASSERT_NE(a, nullptr);
  const Host* host_a = &a->host();
  EXPECT_EQ(host_a->address().str(), "10.0.0.1:80");
  EXPECT_EQ(cluster->chooseHost(HeaderContext("10.0.0.1:80")), a);  // same destination
  EXPECT_EQ(cluster->chooseHost(HeaderContext("not an address")), nullptr);
  std::optional<HostPin> b_in_use(HostPin(*cluster->chooseHost(HeaderContext("10.0.0.2:80"))));
  EXPECT_EQ(cluster->originalDstHostCount(), 2u);

  uint64_t now = f.loop.nowMs();
  cluster->sweepOriginalDstHosts(now + 4999);
  EXPECT_EQ(cluster->originalDstHostCount(), 2u);  // not idle long enough
  cluster->sweepOriginalDstHosts(now + 5000);
  EXPECT_EQ(cluster->originalDstHostCount(), 1u);  // a went, pinned b stays
  b_in_use.reset();
  cluster->sweepOriginalDstHosts(now + 10000);
  EXPECT_EQ(cluster->originalDstHostCount(), 0u);
  // A swept host is made again on the next request to it.
  EXPECT_NE(cluster->chooseHost(HeaderContext("10.0.0.1:80")), nullptr);
  EXPECT_EQ(cluster->originalDstHostCount(), 1u);
}

TEST(OriginalDstHostsTest, PortOverrideApplies) {
  Fixture f;
  auto config = passthrough(std::chrono::milliseconds(5000));
  config->original_dst_port_override = 9090;
  f.clusters.update({{"passthrough", config}});
  WorkerHost* host = f.clusters.get("passthrough")->chooseHost(HeaderContext("10.0.0.1:80"));
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->host().address().str(), "10.0.0.1:9090");
}

TEST(OriginalDstHostsTest, DestinationsSurviveAClusterUpdate) {
  Fixture f;
  f.clusters.update({{"passthrough", passthrough(std::chrono::milliseconds(5000))}});
  WorkerHost* before = f.clusters.get("passthrough")->chooseHost(HeaderContext("10.0.0.1:80"));
  f.clusters.update({{"passthrough", passthrough(std::chrono::milliseconds(6000))}});
  WorkerCluster* updated = f.clusters.get("passthrough");
  EXPECT_EQ(updated->config().cleanup_interval, std::chrono::milliseconds(6000));
  EXPECT_EQ(updated->originalDstHostCount(), 1u);
  EXPECT_EQ(updated->chooseHost(HeaderContext("10.0.0.1:80")), before);
}

TEST(OriginalDstHostsTest, ACleanupTimerRunsOnTheLoop) {
  Fixture f;
  f.clusters.update({{"passthrough", passthrough(std::chrono::milliseconds(20))}});
  WorkerCluster* cluster = f.clusters.get("passthrough");
  ASSERT_NE(cluster->chooseHost(HeaderContext("10.0.0.1:80")), nullptr);
  // At most ~1 s of loop time: the host is gone after an interval or two.
  for (int i = 0; i < 100 && cluster->originalDstHostCount() > 0; ++i) {
    uv_run(f.loop.uv(), UV_RUN_ONCE);
  }
  EXPECT_EQ(cluster->originalDstHostCount(), 0u);
}

}  // namespace
}  // namespace meshproxy::upstream
