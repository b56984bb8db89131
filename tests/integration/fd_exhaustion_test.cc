// A connection flood that reaches RLIMIT_NOFILE must not livelock the workers: they back off,
// keep serving what they have, recover once the clients leave, and SIGTERM still works.
// Before, with --concurrency >= 2, both workers spun at 100% CPU in libuv's accept loop logging
// "accept error: too many open files", their descriptors stayed at the limit after the clients
// left, nothing was answered and SIGTERM was never served.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <deque>
#include <functional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/proc_stats.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

constexpr int kProxyFdLimit = 256;
// Connections the flood holds open at once: well past the proxy's limit, within the listen
// backlog (1024), so connects complete in the kernel whether the proxy accepts or not.
constexpr size_t kHeldConnections = 700;

// A connection flood: non-blocking connects to 127.0.0.1:port for `duration` (bounded by
// kMaxConnects too), the oldest closed once kHeldConnections are open. The churn matters: a
// burst left libuv's per-loop reserve descriptor in place most of the time; a stream of
// connections at the limit let the other worker take it nearly every time, and then the
// livelock followed (5 runs of 6 with the old code; the test fails on the log flood alone in
// all of them).
class Flood {
 public:
  static constexpr int kMaxConnects = 30000;

  Flood(int port, absl::Duration duration, const std::function<void()>& sample) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(static_cast<uint16_t>(port));
    const absl::Time end = absl::Now() + duration;
    for (int i = 0; i < kMaxConnects && absl::Now() < end; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
      held_.push_back(fd);
      ++connects_;
      if (held_.size() > kHeldConnections) {
        ::close(held_.front());
        held_.pop_front();
      }
      if (i % 200 == 0) sample();
    }
  }
  ~Flood() { closeAll(); }
  void closeAll() {
    for (int fd : held_) ::close(fd);
    held_.clear();
  }
  int connects() const { return connects_; }

 private:
  std::deque<int> held_;
  int connects_ = 0;
};

size_t countLines(const std::string& text, absl::string_view needle) {
  size_t n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) n += absl::StrContains(line, needle);
  return n;
}

TEST(FdExhaustionTest, WorkersBackOffRecoverAndStillHonourSigterm) {
  // The test itself holds the flood's sockets.
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 4096 && limit.rlim_max > limit.rlim_cur) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  ASSERT_GE(limit.rlim_cur, static_cast<rlim_t>(kHeldConnections + 64));

  HttpBootstrap bootstrap{.route_config =
                              "            virtual_hosts:\n"
                              "            - name: all\n"
                              "              domains: [\"*\"]\n"
                              "              routes:\n"
                              "              - match: { prefix: / }\n"
                              "                direct_response:\n"
                              "                  status: 200\n"
                              "                  body: { inline_string: \"ok\" }\n"};
  HttpProxy proxy(bootstrap, {.concurrency = 2,
                              .log_level = "info",
                              .extra_args = {"--drain-time-s", "3"},
                              .command_prefix = {"prlimit", absl::StrCat("--nofile=", kProxyFdLimit,
                                                                         ":", kProxyFdLimit)}});
  ASSERT_TRUE(proxy.ready());
  const pid_t pid = proxy->process().pid();
  ASSERT_EQ(proxy.get("/").status, 200);

  int64_t max_fds = 0;
  Flood flood(proxy.port, absl::Milliseconds(1500),
              [&] { max_fds = std::max(max_fds, openFdCount(pid)); });
  // The proxy reached its limit...
  EXPECT_GE(max_fds, kProxyFdLimit - 2) << "connects: " << flood.connects();
  // The admin port (main thread) meets the same exhaustion (whether it gets a descriptor is a
  // race with the workers): it must back off too, not take the main loop (xDS, signals) down.
  std::vector<int> admin_clients;
  for (int i = 0; i < 20; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(static_cast<uint16_t>(proxy->adminPort()));
    ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    admin_clients.push_back(fd);
  }
  // ...and nothing spins there while the flood holds its connections: over one second, well
  // under one core of CPU (the livelock burnt a core per worker).
  absl::SleepFor(absl::Milliseconds(300));
  const int64_t cpu_before = cpuTimeMs(pid);
  absl::SleepFor(absl::Seconds(1));
  const int64_t cpu_used = cpuTimeMs(pid) - cpu_before;
  EXPECT_LT(cpu_used, 500) << "CPU ms in 1 s at the fd limit";
  EXPECT_TRUE(proxy->process().running());

  flood.closeAll();
  for (int fd : admin_clients) ::close(fd);
  // Once the clients are gone the descriptors come back (the workers' loops still turn).
  EXPECT_TRUE(waitUntil([&] { return openFdCount(pid) < kProxyFdLimit / 2; }, absl::Seconds(10)))
      << "open fds after the clients left: " << openFdCount(pid);
  EXPECT_TRUE(waitUntil([&] { return proxy.get("/", {}, absl::Seconds(1)).status == 200; },
                        absl::Seconds(10)));
  EXPECT_EQ(proxy->adminGet("/ready").status, 200);

  // The log says what happened, once per interval per worker: not a line per attempt.
  const std::string log = proxy->process().stderrText();
  const size_t accept_lines = countLines(log, "accept");
  EXPECT_GE(accept_lines, 1u) << "no log line about the exhaustion";
  EXPECT_LE(accept_lines, 20u);
  EXPECT_LT(log.size(), 1u << 20);
  EXPECT_THAT(log, ::testing::HasSubstr("(worker 0): accept failed: Too many open files"));
  EXPECT_THAT(log, ::testing::HasSubstr("(worker 1): accept failed: Too many open files"));

  const absl::Time sent = absl::Now();
  ASSERT_TRUE(proxy->process().sendSignal(SIGTERM));
  std::optional<int> status = proxy->process().waitExit(absl::Seconds(8));
  ASSERT_TRUE(status.has_value()) << "SIGTERM did not end the process";
  EXPECT_EQ(*status, 0);
  EXPECT_LT(absl::Now() - sent, absl::Seconds(6));  // drain time 3 s
}

}  // namespace
}  // namespace meshproxy::testing
