// Admin endpoints of the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/bootstrap_yaml.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(upstream_.ready());
    proxy_ = std::make_unique<MeshproxyProcess>(
        tcpProxyBootstrapYaml({.listener_port = port_, .upstream_ports = {upstream_.port()}}));
    ASSERT_TRUE(proxy_->ready());
  }

  void echoOnce() {
    TcpClient c;
    ASSERT_TRUE(c.connect("127.0.0.1", port_));
    ASSERT_TRUE(c.sendAll("hi"));
    c.shutdownWrite();
    EXPECT_EQ(c.recvUntilClose(absl::Seconds(5)), "hi");
  }

  TestServerProcess upstream_{"echo"};
  int port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(AdminTest, ReadyIsLive) {
  auto r = proxy_->adminGet("/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "LIVE\n");
}

TEST_F(AdminTest, PrometheusUsesEnvoyNames) {
  echoOnce();
  std::string listener = "127.0.0.1_" + std::to_string(port_);
  ASSERT_TRUE(proxy_->waitForCounter("listener." + listener + ".downstream_cx_active",
                                     [](int64_t v) { return v == 0; }));
  auto r = proxy_->adminGet("/stats/prometheus");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("# TYPE envoy_listener_downstream_cx_total counter\n"));
  EXPECT_THAT(r.body, HasSubstr("envoy_listener_downstream_cx_total{envoy_listener_address=\"" +
                                listener + "\"} 1\n"));
  EXPECT_THAT(r.body, HasSubstr("envoy_listener_downstream_cx_active{envoy_listener_address=\"" +
                                listener + "\"} 0\n"));
  EXPECT_THAT(r.body, HasSubstr("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"backend\"} 1\n"));
  EXPECT_THAT(r.body, HasSubstr("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"backend\"} 0\n"));
  EXPECT_THAT(r.body, HasSubstr("envoy_cluster_upstream_cx_rx_bytes_total{envoy_cluster_name=\"backend\"} 2\n"));
  EXPECT_THAT(r.body, HasSubstr("envoy_tcp_downstream_cx_tx_bytes_total{envoy_tcp_prefix=\"test_tcp\"} 2\n"));
}

TEST_F(AdminTest, StatsTextAndFilter) {
  echoOnce();
  auto r = proxy_->adminGet("/stats?filter=upstream_cx_total");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "cluster.backend.upstream_cx_total: 1\n");
  EXPECT_EQ(proxy_->adminGet("/stats?filter=(").status, 400);
}

TEST_F(AdminTest, ConfigDumpListenersAndClusters) {
  auto dump = proxy_->adminGet("/config_dump");
  ASSERT_EQ(dump.status, 200);
  EXPECT_EQ(dump.header("content-type"), "application/json");
  EXPECT_THAT(dump.body, HasSubstr("\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\""));
  EXPECT_THAT(dump.body, HasSubstr("\"name\":\"tcp_listener\""));
  EXPECT_THAT(dump.body, HasSubstr("\"name\":\"backend\""));
  EXPECT_THAT(dump.body, HasSubstr("\"id\":\"test-node\""));

  auto listeners = proxy_->adminGet("/listeners");
  EXPECT_EQ(listeners.body, "tcp_listener::127.0.0.1:" + std::to_string(port_) + "\n");
  auto json = proxy_->adminGet("/listeners?format=json");
  EXPECT_THAT(json.body, HasSubstr("\"port_value\":" + std::to_string(port_)));

  auto clusters = proxy_->adminGet("/clusters");
  EXPECT_THAT(clusters.body, HasSubstr("backend::" + upstream_.address() + "::health_flags::healthy\n"));
  EXPECT_THAT(proxy_->adminGet("/clusters?format=json").body, HasSubstr("\"cluster_statuses\""));
}

TEST_F(AdminTest, UnknownPathAndWrongMethod) {
  auto r = proxy_->adminGet("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("/stats/prometheus"));
  EXPECT_EQ(proxy_->adminGet("/quitquitquit").status, 405);
  EXPECT_EQ(proxy_->adminGet("/drain_listeners").status, 405);
}

TEST_F(AdminTest, DrainListenersStopsAcceptingButKeepsOpenConnections) {
  TcpClient open;
  ASSERT_TRUE(open.connect("127.0.0.1", port_));
  ASSERT_TRUE(open.sendAll("1"));
  ASSERT_EQ(open.recvExactly(1, absl::Seconds(5)), "1");

  EXPECT_EQ(proxy_->adminPost("/drain_listeners").status, 200);
  EXPECT_TRUE(waitUntil(
      [&] {
        TcpClient probe;
        return !probe.connect("127.0.0.1", port_, absl::Milliseconds(200));
      },
      absl::Seconds(5)))
      << "the listener still accepts after /drain_listeners";
  ASSERT_TRUE(open.sendAll("2"));
  EXPECT_EQ(open.recvExactly(1, absl::Seconds(5)), "2");
}

TEST_F(AdminTest, QuitQuitQuitExitsCleanly) {
  EXPECT_EQ(proxy_->adminPost("/quitquitquit").status, 200);
  auto status = proxy_->process().waitExit(absl::Seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
}

}  // namespace
}  // namespace meshproxy::testing
