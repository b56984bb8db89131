// envoy.filters.network.local_ratelimit through the real meshproxy binary: connections beyond
// the token bucket are closed before reaching tcp_proxy, and a fill lets connections in again.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

constexpr std::string_view kCounter = "local_ratelimit.tcp_limit.rate_limited";

std::string limitFilter(int max_tokens, std::string_view fill_interval) {
  return fmt::format(
      "      - name: envoy.filters.network.local_ratelimit\n"
      "        typed_config:\n"
      "          \"@type\": "
      "type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit\n"
      "          stat_prefix: tcp_limit\n"
      "          token_bucket: {{max_tokens: {}, tokens_per_fill: 1, fill_interval: {}}}\n",
      max_tokens, fill_interval);
}

// True when the connection was relayed to the echo upstream; false when the proxy closed it.
bool relayed(TcpClient& client) {
  if (!client.sendAll("ping")) return false;
  const std::string got = client.recvExactly(4, absl::Seconds(5));
  return got == "ping";
}

TEST(NetworkLocalRateLimitTest, ConnectionsBeyondTheBucketAreClosedAndAFillLetsOneIn) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  // 3 connections, then one more every 2 s; two workers share the bucket.
  MeshproxyProcess proxy(tcpProxyBootstrapYaml({.listener_port = port,
                                                .upstream_ports = {upstream.port()},
                                                .filters_before = limitFilter(3, "2s")}),
                         {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());

  constexpr int kAttempts = 8;
  std::vector<std::unique_ptr<TcpClient>> clients;
  int accepted = 0;
  for (int i = 0; i < kAttempts; ++i) {
    auto client = std::make_unique<TcpClient>();
    ASSERT_TRUE(client->connect("127.0.0.1", port)) << client->error();
    if (relayed(*client)) {
      ++accepted;
    } else {
      EXPECT_TRUE(client->peerClosed(absl::Seconds(5))) << "attempt " << i;
    }
    clients.push_back(std::move(client));  // accepted ones stay open: a token is per connection
  }
  // Exactly the bucket; one more at most if a fill boundary fell inside the burst.
  EXPECT_GE(accepted, 3);
  EXPECT_LE(accepted, 4);
  EXPECT_TRUE(proxy.waitForCounter(std::string(kCounter),
                                   [&](int64_t v) { return v == kAttempts - accepted; }))
      << "rate_limited: " << proxy.counterValue(std::string(kCounter)).value_or(-1);
  // The connections let in were relayed by tcp_proxy; the refused ones never reached it.
  EXPECT_EQ(proxy.counterValue("tcp.test_tcp.downstream_cx_total"), accepted);

  // The bucket is empty now; after a fill interval a connection gets through again.
  TcpClient refused;
  ASSERT_TRUE(refused.connect("127.0.0.1", port));
  const bool lucky = relayed(refused);  // a fill may have come already
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  TcpClient after_fill;
  ASSERT_TRUE(after_fill.connect("127.0.0.1", port));
  EXPECT_TRUE(relayed(after_fill)) << "a fill interval passed; one token should be there";
  if (!lucky) {
    EXPECT_TRUE(proxy.waitForCounter(std::string(kCounter),
                                     [&](int64_t v) { return v == kAttempts - accepted + 1; }));
  }
}

TEST(NetworkLocalRateLimitTest, DisabledByRuntimeFlagLetsEverythingThrough) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  const int port = pickFreePort();
  std::string filter =
      limitFilter(1, "60s") + "          runtime_enabled: {default_value: false, runtime_key: k}\n";
  MeshproxyProcess proxy(tcpProxyBootstrapYaml(
      {.listener_port = port, .upstream_ports = {upstream.port()}, .filters_before = filter}));
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 3; ++i) {
    TcpClient client;
    ASSERT_TRUE(client.connect("127.0.0.1", port));
    EXPECT_TRUE(relayed(client)) << "connection " << i;
  }
  EXPECT_EQ(proxy.counterValue(std::string(kCounter)).value_or(0), 0);
}

TEST(NetworkLocalRateLimitTest, InvalidConfigIsRefusedAtStartup) {
  const int port = pickFreePort();
  MeshproxyProcess proxy(tcpProxyBootstrapYaml({.listener_port = port,
                                                .upstream_ports = {pickFreePort()},
                                                .filters_before = limitFilter(1, "0.01s")}),
                         {.wait_ready = false});
  EXPECT_EQ(proxy.process().waitExit(absl::Seconds(10)), 1);
  EXPECT_NE(proxy.process().stderrText().find("fill_interval must be at least 50 ms"),
            std::string::npos)
      << proxy.process().stderrTail();
}

}  // namespace
}  // namespace meshproxy::testing
