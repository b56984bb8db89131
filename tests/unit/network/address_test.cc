#include "proxy/network/address.h"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstddef>

namespace meshproxy::network {
namespace {

TEST(AddressTest, ParsesIpv4AndIpv6) {
  auto a = Address::parse("10.1.2.3:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->str(), "10.1.2.3:8080");
  EXPECT_EQ(a->port(), 8080u);
  EXPECT_EQ(a->family(), AF_INET);

  auto b = Address::parse("[::1]:443");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->str(), "[::1]:443");
  EXPECT_EQ(b->ip(), "::1");
  EXPECT_EQ(b->family(), AF_INET6);
}

TEST(AddressTest, RejectsGarbage) {
  EXPECT_FALSE(Address::parse("localhost:80").ok());
  EXPECT_FALSE(Address::parse("1.2.3.4").ok());
  EXPECT_FALSE(Address::parse("1.2.3.4:http").ok());
  EXPECT_FALSE(Address::fromIpPort("1.2.3.4", 65536).ok());
}

TEST(AddressTest, SetPortUpdatesString) {
  auto a = *Address::parse("127.0.0.1:0");
  a.setPort(1234);
  EXPECT_EQ(a.str(), "127.0.0.1:1234");
}

TEST(AddressTest, PipePathsAndAbstractNames) {
  auto path = Address::fromPipe("/run/app.sock", 0660);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_TRUE(path->isPipe());
  EXPECT_FALSE(path->isAbstractPipe());
  EXPECT_FALSE(path->ephemeral()) << "a pipe names one socket, port or not";
  EXPECT_EQ(path->str(), "/run/app.sock");
  EXPECT_EQ(path->pipeMode(), 0660u);
  EXPECT_EQ(path->ip(), "");
  EXPECT_EQ(path->sockaddr_len(), offsetof(sockaddr_un, sun_path) + sizeof("/run/app.sock"));

  auto abstract = Address::fromPipe("@istio-agent");
  ASSERT_TRUE(abstract.ok());
  EXPECT_TRUE(abstract->isAbstractPipe());
  EXPECT_EQ(abstract->str(), "@istio-agent");
  const auto* un = reinterpret_cast<const sockaddr_un*>(abstract->sockaddr_ptr());
  EXPECT_EQ(un->sun_path[0], '\0') << "the '@' becomes the leading NUL";
  EXPECT_EQ(abstract->sockaddr_len(), offsetof(sockaddr_un, sun_path) + 12)
      << "an abstract name is exactly its bytes";
  // Read back from the kernel's form.
  Address back = Address::fromSockaddr(abstract->sockaddr_ptr(), abstract->sockaddr_len());
  EXPECT_EQ(back.str(), "@istio-agent");
  EXPECT_EQ(back, *abstract);
}

TEST(AddressTest, RejectsBadPipes) {
  EXPECT_FALSE(Address::fromPipe("").ok());
  EXPECT_FALSE(Address::fromPipe(std::string(120, 'x')).ok()) << "longer than sun_path";
  EXPECT_FALSE(Address::fromPipe("/tmp/s", 01000).ok()) << "mode above 0777";
  EXPECT_FALSE(Address::fromPipe("@abstract", 0600).ok()) << "no mode for abstract sockets";
}

TEST(AddressTest, UnnamedUnixPeerHasAnEmptyPath) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  Address peer = Address::fromSockaddr(reinterpret_cast<sockaddr*>(&un), sizeof(sa_family_t));
  EXPECT_TRUE(peer.isPipe());
  EXPECT_EQ(peer.str(), "");
}

}  // namespace
}  // namespace meshproxy::network
