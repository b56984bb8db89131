// A listener with several filter chains replaced over LDS: new connections get the new
// chains, open connections keep the chain they were accepted with.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/integration/xds_test_util.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

google::protobuf::Any staticCluster(const std::string& name, int port) {
  return anyFromYaml(absl::StrCat(
      "\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: ", name,
      "\nconnect_timeout: 1s\nload_assignment: { cluster_name: ", name,
      ", endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: "
      "127.0.0.1, port_value: ",
      port, " } } } } ] } ] }\n"));
}

std::string tcp(const std::string& stat_prefix) {
  return absl::StrCat(
      "{name: envoy.filters.network.tcp_proxy, typed_config: {\"@type\": "
      "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: ",
      stat_prefix, ", cluster: echo}}");
}

google::protobuf::Any chainedListener(int port, const std::string& version) {
  return anyFromYaml(absl::StrCat(
      "\"@type\": type.googleapis.com/envoy.config.listener.v3.Listener\nname: l\n"
      "stat_prefix: l\naddress: { socket_address: { address: 0.0.0.0, port_value: ",
      port,
      " } }\nfilter_chains:\n"
      "- filter_chain_match: { prefix_ranges: [ { address_prefix: 127.0.0.2, prefix_len: 32 } ] }\n"
      "  filters: [",
      tcp(version + "_two"), "]\ndefault_filter_chain: { filters: [", tcp(version + "_dflt"),
      "] }\n"));
}

std::string exchange(TcpClient& c, const std::string& data) {
  if (!c.sendAll(data)) return "<send failed>";
  return c.recvExactly(data.size(), absl::Seconds(5));
}

TEST(FilterChainHotUpdateTest, OpenConnectionsKeepTheirChainNewOnesGetTheNewChains) {
  TestServerProcess echo("echo");
  ASSERT_TRUE(echo.ready());
  FakeAdsServer ads;
  int port = pickFreePort();
  MeshproxyProcess proxy(adsBootstrap(ads.port()),
                         {.extra_args = {"--drain-time-s", "30"}, .wait_ready = false});
  ASSERT_TRUE(ads.waitForStream());
  ASSERT_TRUE(ads.waitRequest(kCds).has_value());
  ads.respond(kCds, "c1", {staticCluster("echo", echo.port())});
  ASSERT_TRUE(ads.waitRequest(kLds).has_value());
  ads.respond(kLds, "l1", {chainedListener(port, "v1")});
  ASSERT_TRUE(proxy.waitReady(absl::Seconds(10)));

  TcpClient old_two, old_default;
  ASSERT_TRUE(old_two.connect("127.0.0.2", port));
  ASSERT_TRUE(old_default.connect("127.0.0.1", port));
  EXPECT_EQ(exchange(old_two, "abc"), "abc");
  EXPECT_EQ(exchange(old_default, "abcd"), "abcd");

  ads.respond(kLds, "l2", {chainedListener(port, "v2")});
  ASSERT_TRUE(proxy.waitForCounter("listener_manager.lds.update_success",
                                   [](int64_t v) { return v == 2; }));
  // The old connections still run on v1's chains.
  EXPECT_EQ(exchange(old_two, "0123456789"), "0123456789");
  EXPECT_EQ(exchange(old_default, "xy"), "xy");
  // New ones get v2's.
  TcpClient new_two;
  ASSERT_TRUE(new_two.connect("127.0.0.2", port));
  EXPECT_EQ(exchange(new_two, "hi"), "hi");

  EXPECT_TRUE(proxy.waitForCounter("tcp.v1_two.downstream_cx_rx_bytes_total",
                                   [](int64_t v) { return v == 13; }));
  EXPECT_EQ(proxy.counterValue("tcp.v1_dflt.downstream_cx_rx_bytes_total"), 6);
  EXPECT_EQ(proxy.counterValue("tcp.v2_two.downstream_cx_rx_bytes_total"), 2);
  EXPECT_EQ(proxy.counterValue("tcp.v2_two.downstream_cx_total"), 1);
  EXPECT_EQ(proxy.counterValue("tcp.v1_two.downstream_cx_total"), 1);
}

}  // namespace
}  // namespace meshproxy::testing
