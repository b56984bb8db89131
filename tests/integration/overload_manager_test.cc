// bootstrap.overload_manager through the real meshproxy binary: the downstream connections
// monitor's global limit (connections beyond it are closed at accept, listeners with
// ignore_global_conn_limit are exempt) and the fixed_heap monitor firing stop_accepting_requests
// (503) and disable_http_keepalive.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/http_client.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

std::string connectionLimit(int max) {
  return fmt::format(R"(
overload_manager:
  refresh_interval: 0.1s
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: {}
)",
                     max);
}

// True when the connection was relayed to the echo upstream.
bool relayed(TcpClient& client) {
  if (!client.sendAll("ping")) return false;
  return client.recvExactly(4, absl::Seconds(5)) == "ping";
}

TEST(OverloadManagerTest, GlobalConnectionLimitClosesConnectionsBeyondIt) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  MeshproxyProcess proxy(
      tcpProxyBootstrapYaml({.listener_port = port, .upstream_ports = {upstream.port()}}) +
      connectionLimit(2));
  ASSERT_TRUE(proxy.ready());

  std::vector<std::unique_ptr<TcpClient>> held;
  for (int i = 0; i < 2; ++i) {
    auto c = std::make_unique<TcpClient>();
    ASSERT_TRUE(c->connect("127.0.0.1", port));
    ASSERT_TRUE(relayed(*c)) << "connection " << i << " is within the limit";
    held.push_back(std::move(c));
  }
  for (int i = 0; i < 3; ++i) {
    TcpClient over;
    ASSERT_TRUE(over.connect("127.0.0.1", port));  // the kernel accepts; meshproxy closes it
    EXPECT_FALSE(relayed(over)) << "attempt " << i << " is beyond the limit";
    EXPECT_TRUE(over.peerClosed(absl::Seconds(5)));
  }
  const std::string counter =
      fmt::format("listener.127.0.0.1_{}.downstream_global_cx_overflow", port);
  EXPECT_TRUE(proxy.waitForCounterAtLeast(counter, 3)) << proxy.counterValue(counter).value_or(-1);

  // A slot is given back when a connection ends.
  held.pop_back();
  bool let_in = false;
  for (int i = 0; i < 50 && !let_in; ++i) {
    TcpClient again;
    ASSERT_TRUE(again.connect("127.0.0.1", port));
    let_in = relayed(again);
    if (!let_in) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(let_in) << "a connection closed: its slot must be free again";
}

TEST(OverloadManagerTest, IgnoreGlobalConnLimitListenerIsExempt) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  std::string yaml =
      tcpProxyBootstrapYaml({.listener_port = port, .upstream_ports = {upstream.port()}});
  // The builder's only listener becomes exempt.
  const std::string anchor = "    filter_chains:";
  size_t at = yaml.find(anchor);
  ASSERT_NE(at, std::string::npos) << yaml;
  yaml.insert(at, "    ignore_global_conn_limit: true\n");
  MeshproxyProcess proxy(yaml + connectionLimit(1));
  ASSERT_TRUE(proxy.ready());
  std::vector<std::unique_ptr<TcpClient>> held;
  for (int i = 0; i < 3; ++i) {
    auto c = std::make_unique<TcpClient>();
    ASSERT_TRUE(c->connect("127.0.0.1", port));
    EXPECT_TRUE(relayed(*c)) << "connection " << i << ": the listener ignores the limit";
    held.push_back(std::move(c));
  }
}

std::string fixedHeap(uint64_t max_bytes, std::string_view action) {
  return fmt::format(R"(
overload_manager:
  refresh_interval: 0.1s
  resource_monitors:
  - name: envoy.resource_monitors.fixed_heap
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
      max_heap_size_bytes: {}
  actions:
  - name: {}
    triggers:
    - name: envoy.resource_monitors.fixed_heap
      threshold: {{value: 0.9}}
)",
                     max_bytes, action);
}

TEST(OverloadManagerTest, FixedHeapOverItsMaxStopsAcceptingRequests) {
  TestServerProcess upstream("http");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  // Any process uses more than 1 KiB of heap: the monitor's pressure is 1.
  MeshproxyProcess proxy(
      httpBootstrapYaml({.listener_port = port, .clusters = {{"backend", {upstream.port()}}}}) +
      fixedHeap(1024, "envoy.overload_actions.stop_accepting_requests"));
  ASSERT_TRUE(proxy.ready());
  EXPECT_TRUE(proxy.waitForCounter("overload.envoy.overload_actions.stop_accepting_requests.active",
                                   [](int64_t v) { return v == 1; }));
  HttpResponse r = httpGet("127.0.0.1", port, "/");
  EXPECT_EQ(r.status, 503) << r.error;
  EXPECT_EQ(r.body, "envoy overloaded");
  EXPECT_EQ(proxy.counterValue("cluster.backend.upstream_rq_total").value_or(0), 0)
      << "the request never reached the upstream";
  // The admin listener is not the overload manager's: it still answers.
  EXPECT_EQ(proxy.adminGet("/ready").status, 200);
}

TEST(OverloadManagerTest, FixedHeapUnderItsMaxLetsRequestsThrough) {
  TestServerProcess upstream("http");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  MeshproxyProcess proxy(
      httpBootstrapYaml({.listener_port = port, .clusters = {{"backend", {upstream.port()}}}}) +
      fixedHeap(uint64_t{1} << 40, "envoy.overload_actions.stop_accepting_requests"));
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(httpGet("127.0.0.1", port, "/").status, 200);
  EXPECT_EQ(proxy.counterValue("overload.envoy.overload_actions.stop_accepting_requests.active"),
            0);
}

TEST(OverloadManagerTest, DisableHttpKeepaliveClosesAfterEachResponse) {
  TestServerProcess upstream("http");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  MeshproxyProcess proxy(
      httpBootstrapYaml({.listener_port = port, .clusters = {{"backend", {upstream.port()}}}}) +
      fixedHeap(1024, "envoy.overload_actions.disable_http_keepalive"));
  ASSERT_TRUE(proxy.ready());
  ASSERT_TRUE(proxy.waitForCounter("overload.envoy.overload_actions.disable_http_keepalive.active",
                                   [](int64_t v) { return v == 1; }));
  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", port));
  ASSERT_TRUE(c.sendAll("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(c.peerClosed(absl::Seconds(5))) << "keep-alive is off: the proxy closes after it";
}

TEST(OverloadManagerTest, UnsupportedActionIsRefusedByName) {
  const int port = pickFreePort();
  MeshproxyProcess proxy(
      httpBootstrapYaml({.listener_port = port, .clusters = {{"backend", {pickFreePort()}}}}) +
          fixedHeap(1024, "envoy.overload_actions.reset_high_memory_stream"),
      {.wait_ready = false});
  EXPECT_EQ(proxy.process().waitExit(absl::Seconds(10)), 1);
  EXPECT_NE(proxy.process().stderrText().find(
                "'envoy.overload_actions.reset_high_memory_stream': unsupported overload action"),
            std::string::npos)
      << proxy.process().stderrTail();
}

}  // namespace
}  // namespace meshproxy::testing
