// OverloadManager's evaluation: monitor pressure, threshold triggers, the actions published to
// the data path and their stats.
#include "proxy/server/overload_manager.h"

#include <gtest/gtest.h>

#include "proxy/core/event_loop.h"
#include "proxy/core/overload_state.h"
#include "proxy/network/global_connection_limit.h"

namespace meshproxy::server {
namespace {

using config::OverloadConfig;

OverloadConfig heapConfig() {
  OverloadConfig c;
  c.monitors.push_back({"heap", OverloadConfig::Monitor::kFixedHeap, 1000});
  c.actions.push_back({"envoy.overload_actions.stop_accepting_requests",
                       OverloadConfig::Action::kStopAcceptingRequests,
                       {{"heap", 0.9}}});
  c.actions.push_back({"envoy.overload_actions.disable_http_keepalive",
                       OverloadConfig::Action::kDisableHttpKeepalive,
                       {{"heap", 0.5}}});
  return c;
}

TEST(OverloadManagerTest, ActionsFollowThePressureOfTheirMonitor) {
  EventLoop loop;
  stats::Store stats;
  uint64_t heap = 100;
  OverloadManager manager(loop.uv(), heapConfig(), stats, [&heap] { return heap; });
  manager.refresh();
  EXPECT_FALSE(overload::isActive(overload::kStopAcceptingRequests));
  EXPECT_FALSE(overload::isActive(overload::kDisableHttpKeepalive));
  EXPECT_EQ(stats.rootScope().gauge("overload.heap.pressure").value(), 10);

  heap = 600;
  manager.refresh();
  EXPECT_FALSE(overload::isActive(overload::kStopAcceptingRequests));
  EXPECT_TRUE(overload::isActive(overload::kDisableHttpKeepalive));

  heap = 950;
  manager.refresh();
  EXPECT_TRUE(overload::isActive(overload::kStopAcceptingRequests));
  EXPECT_EQ(stats.rootScope()
                .gauge("overload.envoy.overload_actions.stop_accepting_requests.active")
                .value(),
            1);

  heap = 10;
  manager.refresh();
  EXPECT_FALSE(overload::isActive(overload::kStopAcceptingRequests));
  EXPECT_FALSE(overload::isActive(overload::kDisableHttpKeepalive));
}

TEST(OverloadManagerTest, DownstreamConnectionsMonitorSetsTheGlobalLimit) {
  EventLoop loop;
  stats::Store stats;
  OverloadConfig c;
  c.monitors.push_back({"cx", OverloadConfig::Monitor::kDownstreamConnections, 4});
  {
    OverloadManager manager(loop.uv(), c, stats);
    manager.start();
    EXPECT_EQ(network::globalConnectionLimit(), 4u);
    ASSERT_TRUE(network::tryAcquireGlobalConnection());
    manager.refresh();
    EXPECT_EQ(stats.rootScope().gauge("overload.cx.pressure").value(), 25);
    network::releaseGlobalConnection();
  }
  network::setGlobalConnectionLimit(std::numeric_limits<uint64_t>::max());
}

}  // namespace
}  // namespace meshproxy::server
