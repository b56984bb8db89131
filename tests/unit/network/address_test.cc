#include "proxy/network/address.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace meshproxy::network
