// Process lifecycle: start-up errors, worker spreading, SIGTERM drain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "absl/time/clock.h"

#include "tests/support/binaries.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

CommandResult runMeshproxy(std::vector<std::string> args) {
  args.insert(args.begin(), binPath("meshproxy"));
  return runCommand(args, absl::Seconds(10));
}

TEST(LifecycleTest, HelpAndVersion) {
  auto help = runMeshproxy({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.stdout_text, HasSubstr("--concurrency"));
  auto version = runMeshproxy({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.stdout_text, HasSubstr("meshproxy "));
  auto bad = runMeshproxy({"--frobnicate"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.stderr_text, HasSubstr("unknown option '--frobnicate'"));
}

TEST(LifecycleTest, UnsupportedConfigStopsTheStartWithTheFieldName) {
  TempDir dir;
  std::string yaml = tcpProxyBootstrapYaml({.listener_port = pickFreePort(), .upstream_ports = {1}});
  yaml.replace(yaml.find("    filter_chains:"), 0, "    tcp_backlog_size: 64\n");
  auto result = runMeshproxy({"-c", dir.writeFile("b.yaml", yaml)});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("unsupported field 'tcp_backlog_size'"));
}

TEST(LifecycleTest, PortInUseIsAStartError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  int busy_port = ntohs(sa.sin_port);

  TempDir dir;
  std::string yaml = tcpProxyBootstrapYaml({.listener_port = busy_port, .upstream_ports = {1}});
  auto result = runMeshproxy({"-c", dir.writeFile("b.yaml", yaml)});
  ::close(fd);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("cannot bind 127.0.0.1:" + std::to_string(busy_port)));
}

TEST(LifecycleTest, ConcurrencyTwoSpreadsConnectionsOverBothWorkers) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  int port = pickFreePort();
  MeshproxyProcess proxy(tcpProxyBootstrapYaml({.listener_port = port, .upstream_ports = {upstream.port()}}),
                         {.concurrency = 2, .log_level = "info"});
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 40; ++i) {
    TcpClient c;
    ASSERT_TRUE(c.connect("127.0.0.1", port));
    ASSERT_TRUE(c.sendAll("x"));
    c.shutdownWrite();
    EXPECT_EQ(c.recvUntilClose(absl::Seconds(5)), "x");
  }
  std::string prefix = "listener.127.0.0.1_" + std::to_string(port);
  auto w0 = proxy.counterValue(prefix + ".worker_0.downstream_cx_total").value_or(0);
  auto w1 = proxy.counterValue(prefix + ".worker_1.downstream_cx_total").value_or(0);
  EXPECT_EQ(w0 + w1, 40);
  // SO_REUSEPORT hashes the 4-tuple: all 40 on one worker has probability 2^-39.
  EXPECT_GT(w0, 0);
  EXPECT_GT(w1, 0);
}

TEST(LifecycleTest, SigtermDrainsOpenConnectionsRefusesNewOnesAndExitsZero) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  int port = pickFreePort();
  MeshproxyProcess proxy(tcpProxyBootstrapYaml({.listener_port = port, .upstream_ports = {upstream.port()}}),
                         {.extra_args = {"--drain-time-s", "20"}});
  ASSERT_TRUE(proxy.ready());
  TcpClient open;
  ASSERT_TRUE(open.connect("127.0.0.1", port));
  ASSERT_TRUE(open.sendAll("before"));
  ASSERT_EQ(open.recvExactly(6, absl::Seconds(5)), "before");

  proxy.process().sendSignal(SIGTERM);
  EXPECT_TRUE(waitUntil(
      [&] {
        TcpClient probe;
        return !probe.connect("127.0.0.1", port, absl::Milliseconds(200));
      },
      absl::Seconds(5)))
      << "new connections are still accepted while draining";
  // The open connection keeps working during the drain...
  ASSERT_TRUE(open.sendAll("during"));
  EXPECT_EQ(open.recvExactly(6, absl::Seconds(5)), "during");
  EXPECT_TRUE(proxy.process().running());
  // ...and once it finishes the process exits 0 without waiting out the drain time.
  open.shutdownWrite();
  EXPECT_EQ(open.recvUntilClose(absl::Seconds(5)), "");
  absl::Time closed = absl::Now();
  auto status = proxy.process().waitExit(absl::Seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_LT(absl::Now() - closed, absl::Seconds(5));
}

TEST(LifecycleTest, DrainTimeBoundsHowLongAnIdleConnectionDelaysExit) {
  TestServerProcess upstream("echo");
  ASSERT_TRUE(upstream.ready());
  int port = pickFreePort();
  MeshproxyProcess proxy(tcpProxyBootstrapYaml({.listener_port = port, .upstream_ports = {upstream.port()}}),
                         {.extra_args = {"--drain-time-s", "1"}});
  ASSERT_TRUE(proxy.ready());
  TcpClient open;
  ASSERT_TRUE(open.connect("127.0.0.1", port));
  ASSERT_TRUE(open.sendAll("x"));
  ASSERT_EQ(open.recvExactly(1, absl::Seconds(5)), "x");
  absl::Time start = absl::Now();
  proxy.process().sendSignal(SIGTERM);
  auto status = proxy.process().waitExit(absl::Seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_TRUE(open.peerClosed(absl::Seconds(5)));
}

}  // namespace
}  // namespace meshproxy::testing
