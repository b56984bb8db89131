// The TCP proxy through the real meshproxy binary and a real upstream, over loopback.
#include <gtest/gtest.h>

#include <thread>

#include "absl/time/clock.h"

#include "tests/support/bootstrap_yaml.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stats.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

struct Proxy {
  int port = pickFreePort();
  std::unique_ptr<MeshproxyProcess> process;

  explicit Proxy(TcpProxyBootstrap b, MeshproxyOptions options = {}) {
    b.listener_port = port;
    process = std::make_unique<MeshproxyProcess>(tcpProxyBootstrapYaml(b), options);
  }
  MeshproxyProcess* operator->() { return process.get(); }
};

TEST(TcpProxyTest, RelaysBothWaysAndPassesHalfCloseThrough) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  Proxy proxy({.upstream_ports = {upstream.port()}});
  ASSERT_TRUE(proxy->ready());

  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(client.sendAll("ping-1"));
  EXPECT_EQ(client.recvExactly(6, absl::Seconds(5)), "ping-1");
  // Half-close: our FIN reaches the upstream, which still answers and then closes its side.
  ASSERT_TRUE(client.sendAll("last words"));
  client.shutdownWrite();
  EXPECT_EQ(client.recvUntilClose(absl::Seconds(5)), "last words");
  EXPECT_TRUE(client.eofSeen());

  EXPECT_TRUE(proxy->waitForCounter("tcp.test_tcp.downstream_cx_rx_bytes_total",
                                    [](int64_t v) { return v == 16; }));
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_rx_bytes_total"), 16);
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_tx_bytes_total"), 16);
  EXPECT_TRUE(proxy->waitForCounter("listener.127.0.0.1_" + std::to_string(proxy.port) +
                                        ".downstream_cx_active",
                                    [](int64_t v) { return v == 0; }));
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_total"), 1);
}

TEST(TcpProxyTest, UpstreamHalfCloseKeepsTheOtherDirectionOpen) {
  // source mode sends its bytes, then half-closes; the client's side stays writable.
  TestServerProcess upstream({.mode = "source", .bytes = 100000});
  ASSERT_TRUE(upstream.ready());
  Proxy proxy({.upstream_ports = {upstream.port()}});
  ASSERT_TRUE(proxy->ready());

  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  std::string got = client.recvUntilClose(absl::Seconds(10));
  EXPECT_EQ(got.size(), 100000u);
  EXPECT_TRUE(client.eofSeen());
  // Our direction is still open through the proxy.
  EXPECT_TRUE(client.sendAll("still here"));
  client.shutdownWrite();
  EXPECT_TRUE(proxy->waitForCounter("tcp.test_tcp.downstream_cx_rx_bytes_total",
                                    [](int64_t v) { return v == 10; }));
}

TEST(TcpProxyTest, LargeTransferToASlowReaderKeepsMemoryBounded) {
  constexpr int64_t kBytes = 50ll * 1024 * 1024;
  TestServerProcess upstream({.mode = "source", .bytes = kBytes});
  ASSERT_TRUE(upstream.ready());
  Proxy proxy({.upstream_ports = {upstream.port()}}, {.concurrency = 1, .log_level = "info"});
  ASSERT_TRUE(proxy->ready());
  pid_t pid = proxy->process().pid();
  int64_t rss_before = rssKb(pid);

  TcpClient client;
  client.setReceiveBufferSize(16 * 1024);
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  int64_t received = 0;
  int64_t peak_rss = rss_before;
  bool pattern_ok = true;
  auto deadline = absl::Now() + absl::Seconds(120);
  int reads = 0;
  while (received < kBytes && absl::Now() < deadline) {
    std::string chunk = client.recvSome(64 * 1024, absl::Seconds(10));
    if (chunk.empty()) break;
    for (size_t i = 0; i < chunk.size() && pattern_ok; ++i) {
      if (static_cast<unsigned char>(chunk[i]) != (received + static_cast<int64_t>(i)) % 251) {
        pattern_ok = false;
        ADD_FAILURE() << "byte " << received + static_cast<int64_t>(i) << " differs";
      }
    }
    received += static_cast<int64_t>(chunk.size());
    // Slow reader: a short pause every few reads lets the proxy's queues fill up.
    if (++reads % 16 == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      peak_rss = std::max(peak_rss, rssKb(pid));
    }
  }
  EXPECT_EQ(received, kBytes);
  EXPECT_TRUE(pattern_ok);
  int64_t growth_kb = peak_rss - rss_before;
  std::printf("meshproxy RSS before %lld KiB, peak during 50 MiB transfer %lld KiB, growth %lld KiB\n",
              static_cast<long long>(rss_before), static_cast<long long>(peak_rss),
              static_cast<long long>(growth_kb));
  // Watermarks are 1 MiB per connection direction; allow slack for slice caches and stacks.
  EXPECT_LT(growth_kb, 16 * 1024) << "proxy buffered far more than its watermarks allow";
  EXPECT_GT(proxy->counterValue("tcp.test_tcp.downstream_cx_tx_bytes_total").value_or(0), 0);
}

TEST(TcpProxyTest, BackpressurePausesReadingWhenTheWriteQueueIsFull) {
  // A tiny buffer limit makes the watermark easy to cross: the upstream sends fast, the
  // client does not read at first, so the proxy must stop reading the upstream.
  TestServerProcess upstream({.mode = "source", .bytes = 8 * 1024 * 1024});
  ASSERT_TRUE(upstream.ready());
  Proxy proxy({.upstream_ports = {upstream.port()}, .buffer_limit_bytes = 32 * 1024},
              {.concurrency = 1, .log_level = "info"});
  ASSERT_TRUE(proxy->ready());
  TcpClient client;
  client.setReceiveBufferSize(8 * 1024);
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Nothing read yet: the proxy holds at most ~buffer limit beyond kernel socket buffers.
  int64_t rx = proxy->counterValue("cluster.backend.upstream_cx_rx_bytes_total").value_or(-1);
  EXPECT_LT(rx, 8 * 1024 * 1024) << "the proxy read the whole upstream response into memory";
  size_t total = client.discardUntilClose(absl::Seconds(30));
  EXPECT_EQ(total, 8u * 1024 * 1024);
}

TEST(TcpProxyTest, RefusedUpstreamClosesDownstreamAndCountsTheFailure) {
  int dead_port = pickFreePort();  // nothing listens there
  Proxy proxy({.upstream_ports = {dead_port}});
  ASSERT_TRUE(proxy->ready());
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  EXPECT_TRUE(client.peerClosed(absl::Seconds(5)));
  EXPECT_TRUE(proxy->waitForCounterAtLeast("cluster.backend.upstream_cx_connect_fail", 1));
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_connect_fail"), 1);
}

TEST(TcpProxyTest, ConnectAttemptsMoveOnToTheNextHost) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  int dead_port = pickFreePort();
  Proxy proxy({.upstream_ports = {dead_port, upstream.port()}, .max_connect_attempts = 2},
              {.concurrency = 1});
  ASSERT_TRUE(proxy->ready());
  for (int i = 0; i < 6; ++i) {
    TcpClient client;
    ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
    ASSERT_TRUE(client.sendAll("x"));
    EXPECT_EQ(client.recvExactly(1, absl::Seconds(5)), "x") << "connection " << i;
  }
  // Picks alternate dead, alive, dead, ...: every connection after the first starts on the
  // dead host and moves on; the first does too unless round robin happened to start alive.
  int64_t fails = proxy->counterValue("cluster.backend.upstream_cx_connect_fail").value_or(-1);
  EXPECT_TRUE(fails == 5 || fails == 6) << fails;
}

TEST(TcpProxyTest, IdleTimeoutClosesBothSides) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  Proxy proxy({.upstream_ports = {upstream.port()}, .idle_timeout = "0.4s"});
  ASSERT_TRUE(proxy->ready());
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(client.sendAll("a"));
  EXPECT_EQ(client.recvExactly(1, absl::Seconds(5)), "a");
  absl::Time start = absl::Now();
  EXPECT_TRUE(client.peerClosed(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_TRUE(proxy->waitForCounterAtLeast("tcp.test_tcp.idle_timeout", 1));
}

TEST(TcpProxyTest, AccessLogFileGetsOneLinePerConnection) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  TempDir dir;
  std::string log_path = dir.filePath("access.log");
  Proxy proxy({.upstream_ports = {upstream.port()}, .access_log_path = log_path});
  ASSERT_TRUE(proxy->ready());
  for (int i = 0; i < 2; ++i) {
    TcpClient client;
    ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
    ASSERT_TRUE(client.sendAll("hello"));
    client.shutdownWrite();
    EXPECT_EQ(client.recvUntilClose(absl::Seconds(5)), "hello");
  }
  std::string upstream_address = upstream.address();
  std::string text;
  EXPECT_TRUE(waitUntil(
      [&] {
        text = readFileText(log_path, 1 << 20);
        return std::count(text.begin(), text.end(), '\n') == 2;
      },
      absl::Seconds(5)))
      << text;
  EXPECT_NE(text.find("\"" + upstream_address + "\""), std::string::npos) << text;
  // Envoy's default format: bytes received and sent are both 5.
  EXPECT_NE(text.find(" 5 5 "), std::string::npos) << text;
}

}  // namespace
}  // namespace meshproxy::testing
