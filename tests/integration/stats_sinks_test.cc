// stats_sinks: envoy.stat_sinks.statsd and envoy.stat_sinks.dog_statsd over UDP, flushed every
// stats_flush_interval. The test is the statsd daemon: a UDP socket that collects the lines.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/http_client.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

// A bound UDP socket on 127.0.0.1 that keeps every line it receives.
class StatsdReceiver {
 public:
  StatsdReceiver() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~StatsdReceiver() { ::close(fd_); }
  int port() const { return port_; }

  // Receives until a line contains `needle` (true) or `timeout` passes (false).
  bool waitForLine(const std::string& needle, absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      for (const auto& line : lines_) {
        if (line.find(needle) != std::string::npos) return true;
      }
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) continue;
      ++datagrams_;
      for (auto line : absl::StrSplit(absl::string_view(buf, static_cast<size_t>(n)), '\n')) {
        lines_.emplace_back(line);
      }
    }
  }
  const std::vector<std::string>& lines() const { return lines_; }
  int datagrams() const { return datagrams_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  int datagrams_ = 0;
  std::vector<std::string> lines_;
};

std::string sinksYaml(int statsd_port, int dog_port) {
  return "stats_flush_interval: 0.2s\n"
         "stats_sinks:\n"
         "- name: envoy.stat_sinks.statsd\n"
         "  typed_config:\n"
         "    \"@type\": type.googleapis.com/envoy.config.metrics.v3.StatsdSink\n"
         "    address: {socket_address: {address: 127.0.0.1, port_value: " +
         std::to_string(statsd_port) +
         "}}\n"
         "- name: envoy.stat_sinks.dog_statsd\n"
         "  typed_config:\n"
         "    \"@type\": type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink\n"
         "    address: {socket_address: {address: 127.0.0.1, port_value: " +
         std::to_string(dog_port) +
         "}}\n"
         "    prefix: mesh\n"
         "    max_bytes_per_datagram: 1400\n";
}

TEST(StatsSinksTest, StatsdAndDogStatsdReceiveCountersGaugesAndTimers) {
  TestServerProcess app{{.mode = "http", .name = "app"}};
  ASSERT_TRUE(app.ready());
  StatsdReceiver statsd;
  StatsdReceiver dog;
  const int port = pickFreePort();
  MeshproxyProcess proxy(sinksYaml(statsd.port(), dog.port()) +
                         httpBootstrapYaml({.listener_port = port,
                                            .clusters = {{.name = "app", .ports = {app.port()}}}}));
  ASSERT_TRUE(proxy.ready());
  ASSERT_EQ(httpRequest("127.0.0.1", port, "GET", "/", {}, "").status, 200);

  // Plain statsd: full names, prefix "envoy", a counter as its delta.
  EXPECT_TRUE(statsd.waitForLine("envoy.cluster.app.upstream_rq_total:1|c"))
      << absl::StrJoin(statsd.lines(), "\n");
  EXPECT_TRUE(statsd.waitForLine("envoy.cluster.app.membership_total:1|g"));
  EXPECT_TRUE(statsd.waitForLine("envoy.cluster.app.upstream_rq_time:"));
  for (const auto& line : statsd.lines()) {
    if (line.find("upstream_rq_time:") != std::string::npos) {
      EXPECT_THAT(line, HasSubstr("|ms"));
    }
    EXPECT_THAT(line, ::testing::Not(HasSubstr("|#")));
  }
  // The next flushes send the delta: 0 until another request.
  EXPECT_TRUE(statsd.waitForLine("envoy.cluster.app.upstream_rq_total:0|c"));

  // DogStatsD: prefix "mesh", tag-extracted names, tags, several lines per datagram.
  EXPECT_TRUE(dog.waitForLine("mesh.cluster.upstream_rq_total:1|c|#envoy.cluster_name:app"))
      << absl::StrJoin(dog.lines(), "\n");
  EXPECT_TRUE(dog.waitForLine("mesh.cluster.upstream_rq_time:"));
  EXPECT_LT(dog.datagrams(), static_cast<int>(dog.lines().size()));
}

TEST(StatsSinksTest, UnsupportedSinksAndTcpStatsdAreRejectedByName) {
  const std::string tail = httpBootstrapYaml(
      {.listener_port = pickFreePort(), .clusters = {{.name = "app", .ports = {1}}}});
  {
    MeshproxyProcess proxy(
        "stats_sinks:\n"
        "- name: envoy.stat_sinks.statsd\n"
        "  typed_config:\n"
        "    \"@type\": type.googleapis.com/envoy.config.metrics.v3.StatsdSink\n"
        "    tcp_cluster_name: app\n" +
            tail,
        {.wait_ready = false});
    EXPECT_EQ(proxy.process().waitExit(absl::Seconds(10)), 1);
    EXPECT_THAT(proxy.process().stderrText(), HasSubstr("tcp_cluster_name"));
  }
  {
    MeshproxyProcess proxy(
        "stats_sinks:\n"
        "- name: envoy.stat_sinks.metrics_service\n"
        "  typed_config:\n"
        "    \"@type\": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig\n"
        "    grpc_service: {envoy_grpc: {cluster_name: app}}\n" +
            tail,
        {.wait_ready = false});
    EXPECT_EQ(proxy.process().waitExit(absl::Seconds(10)), 1);
    EXPECT_THAT(proxy.process().stderrText(),
                HasSubstr("unsupported extension 'envoy.stat_sinks.metrics_service'"));
  }
}

}  // namespace
}  // namespace meshproxy::testing
