// The overload manager's global connection limit and upstream TCP keepalive socket options.
#include "proxy/network/global_connection_limit.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <limits>

#include "proxy/network/tcp_keepalive.h"

namespace meshproxy::network {
namespace {

TEST(GlobalConnectionLimitTest, SlotsUpToTheLimitThenRefusedUntilOneIsReleased) {
  setGlobalConnectionLimit(2);
  const uint64_t base = globalConnectionCount();
  ASSERT_EQ(base, 0u);
  EXPECT_TRUE(tryAcquireGlobalConnection());
  EXPECT_TRUE(tryAcquireGlobalConnection());
  EXPECT_FALSE(tryAcquireGlobalConnection()) << "at the limit";
  EXPECT_EQ(globalConnectionCount(), 2u) << "a refused attempt takes nothing";
  releaseGlobalConnection();
  EXPECT_TRUE(tryAcquireGlobalConnection());
  releaseGlobalConnection();
  releaseGlobalConnection();
  EXPECT_EQ(globalConnectionCount(), 0u);
  setGlobalConnectionLimit(std::numeric_limits<uint64_t>::max());
}

int getInt(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof(v);
  EXPECT_EQ(::getsockopt(fd, level, name, &v, &len), 0);
  return v;
}

TEST(TcpKeepaliveTest, SetsEachValueGivenAndLeavesTheOthers) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  const int default_count = getInt(fd, IPPROTO_TCP, TCP_KEEPCNT);
  ASSERT_EQ(applyTcpKeepalive(fd, {.probes = 0, .time_s = 300, .interval_s = 75}), 0);
  EXPECT_EQ(getInt(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(getInt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 300);
  EXPECT_EQ(getInt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 75);
  EXPECT_EQ(getInt(fd, IPPROTO_TCP, TCP_KEEPCNT), default_count);
  ASSERT_EQ(applyTcpKeepalive(fd, {.probes = 3}), 0);
  EXPECT_EQ(getInt(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
  ::close(fd);
}

}  // namespace
}  // namespace meshproxy::network
