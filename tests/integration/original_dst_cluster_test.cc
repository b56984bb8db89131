// The ORIGINAL_DST cluster over HTTP on loopback, where the destination comes from the
// x-envoy-original-dst-host header (original_dst_lb_config.use_http_header), and
// upstream_bind_config.source_address. The connection-based destination is covered with real
// iptables in transparent_capture_test.cc.
#include <gtest/gtest.h>

#include "tests/integration/capture_test_util.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

TEST(OriginalDstClusterTest, HttpHeaderPicksTheHostAndHostsAreMadeOnDemand) {
  TestServerProcess one({.mode = "http", .name = "one"});
  TestServerProcess two({.mode = "http", .name = "two"});
  ASSERT_TRUE(one.ready() && two.ready());
  int port = pickFreePort();
  ListenerSpec l{.name = "l", .port = port, .chains = {{.filter = hcmFilter("hcm", "dst")}}};
  ClusterSpec dst{"dst",
                  {},
                  "    type: ORIGINAL_DST\n    lb_policy: CLUSTER_PROVIDED\n"
                  "    cleanup_interval: 1s\n"
                  "    original_dst_lb_config: { use_http_header: true }\n"};
  MeshproxyProcess proxy(captureBootstrapYaml({l}, {dst}), {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  std::string url = fmt::format("http://127.0.0.1:{}/", port);
  auto via = [&](const std::string& header) {
    CommandResult r = curl({"-H", header, url});
    return r.ok() ? jsonField(r.stdout_text, "server") : "<failed>";
  };
  EXPECT_EQ(via("x-envoy-original-dst-host: " + one.address()), "one");
  EXPECT_EQ(via("x-envoy-original-dst-host: " + two.address()), "two");
  EXPECT_EQ(via("x-envoy-original-dst-host: " + one.address()), "one");
  // No header, and the connection was not redirected: no destination (not this listener
  // itself, which would loop), so 503.
  CommandResult none = curl({"-w", "%{http_code}", "-o", "/dev/null", url});
  EXPECT_EQ(none.stdout_text, "503");
  CommandResult bad = curl({"-w", "%{http_code}", "-o", "/dev/null", "-H",
                            "x-envoy-original-dst-host: not-an-address", url});
  EXPECT_EQ(bad.stdout_text, "503");
  EXPECT_EQ(proxy.counterValue("cluster.dst.upstream_cx_none_healthy"), 2);
  // Keep-alive pools per destination: one connection each, reused.
  EXPECT_EQ(proxy.counterValue("cluster.dst.upstream_cx_total"), 2);
}

TEST(OriginalDstClusterTest, UpstreamBindConfigSetsTheSourceAddress) {
  TestServerProcess server({.mode = "http", .name = "app"});
  ASSERT_TRUE(server.ready());
  int port = pickFreePort();
  ListenerSpec l{.name = "l", .port = port, .chains = {{.filter = hcmFilter("hcm", "app")}}};
  ClusterSpec app{
      "app",
      {server.address()},
      "    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }\n"};
  MeshproxyProcess proxy(captureBootstrapYaml({l}, {app}));
  ASSERT_TRUE(proxy.ready());
  CommandResult r = curl({fmt::format("http://127.0.0.1:{}/", port)});
  ASSERT_TRUE(r.ok()) << r.stderr_text;
  EXPECT_EQ(jsonField(r.stdout_text, "peer").rfind("127.0.0.6:", 0), 0u) << r.stdout_text;
}

TEST(OriginalDstClusterTest, UnbindableSourceFailsTheConnectionNotTheProxy) {
  TestServerProcess server({.mode = "http", .name = "app"});
  ASSERT_TRUE(server.ready());
  int port = pickFreePort();
  ListenerSpec l{.name = "l", .port = port, .chains = {{.filter = hcmFilter("hcm", "app")}}};
  // 192.0.2.1 (TEST-NET-1) is not an address of this machine.
  ClusterSpec app{
      "app",
      {server.address()},
      "    upstream_bind_config: { source_address: { address: 192.0.2.1, port_value: 0 } }\n"};
  MeshproxyProcess proxy(captureBootstrapYaml({l}, {app}));
  ASSERT_TRUE(proxy.ready());
  CommandResult r =
      curl({"-w", "%{http_code}", "-o", "/dev/null", fmt::format("http://127.0.0.1:{}/", port)});
  EXPECT_EQ(r.stdout_text, "503");
  EXPECT_EQ(proxy.counterValue("cluster.app.upstream_cx_connect_fail"), 1);
}

}  // namespace
}  // namespace meshproxy::testing
