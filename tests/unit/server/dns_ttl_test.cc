// respect_dns_ttl: the TTL read from a DNS answer, and the refresh delay chosen from it.
#include "proxy/server/dns_ttl.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace meshproxy::server {
namespace {

using namespace std::chrono_literals;

void put16(std::vector<unsigned char>& m, uint16_t v) {
  m.push_back(v >> 8);
  m.push_back(v & 0xff);
}
void put32(std::vector<unsigned char>& m, uint32_t v) {
  put16(m, v >> 16);
  put16(m, v & 0xffff);
}

// An answer to "a.test" with the given records: (type, ttl); A records carry 4 bytes,
// AAAA 16, CNAME a pointer to the question name.
std::vector<unsigned char> answer(const std::vector<std::pair<uint16_t, uint32_t>>& records) {
  std::vector<unsigned char> m;
  put16(m, 0x1234);  // id
  put16(m, 0x8180);  // response, recursion desired and available, no error
  put16(m, 1);       // questions
  put16(m, static_cast<uint16_t>(records.size()));
  put16(m, 0);
  put16(m, 0);
  for (unsigned char c : std::vector<unsigned char>{1, 'a', 4, 't', 'e', 's', 't', 0}) {
    m.push_back(c);
  }
  put16(m, 1);  // A
  put16(m, 1);  // IN
  for (const auto& [type, ttl] : records) {
    put16(m, 0xc00c);  // the question's name
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    const uint16_t length = type == 1 ? 4 : type == 28 ? 16 : 2;
    put16(m, length);
    if (type == 5) {
      put16(m, 0xc00c);
    } else {
      for (uint16_t i = 0; i < length; ++i) m.push_back(static_cast<unsigned char>(i + 1));
    }
  }
  return m;
}

TEST(DnsTtlTest, SmallestTtlOfTheAddressRecords) {
  auto m = answer({{5, 10}, {1, 300}, {1, 60}, {28, 30}});
  // The CNAME's TTL is not an address TTL; AAAA counts only when asked for.
  EXPECT_EQ(minAddressTtl(m.data(), m.size(), true, false), 60u);
  EXPECT_EQ(minAddressTtl(m.data(), m.size(), false, true), 30u);
  EXPECT_EQ(minAddressTtl(m.data(), m.size(), true, true), 30u);
}

TEST(DnsTtlTest, NoAddressRecordOrGarbageHasNoTtl) {
  auto only_cname = answer({{5, 10}});
  EXPECT_FALSE(minAddressTtl(only_cname.data(), only_cname.size(), true, true).has_value());
  const unsigned char garbage[] = {1, 2, 3};
  EXPECT_FALSE(minAddressTtl(garbage, sizeof(garbage), true, true).has_value());
  auto truncated = answer({{1, 60}});
  truncated.resize(truncated.size() - 3);
  EXPECT_FALSE(minAddressTtl(truncated.data(), truncated.size(), true, true).has_value());
}

TEST(DnsTtlTest, RefreshAtTheTtlOnlyWhenRespectedAndKnown) {
  EXPECT_EQ(nextDnsRefresh(5000ms, true, 30), 30000ms);
  EXPECT_EQ(nextDnsRefresh(5000ms, false, 30), 5000ms);
  EXPECT_EQ(nextDnsRefresh(5000ms, true, std::nullopt), 5000ms);
  // A TTL of 0 ("do not cache") would mean a lookup loop: Envoy keeps dns_refresh_rate.
  EXPECT_EQ(nextDnsRefresh(5000ms, true, 0), 5000ms);
}

}  // namespace
}  // namespace meshproxy::server
