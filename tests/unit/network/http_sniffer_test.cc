// The request-line sniffer behind http_inspector.
#include "proxy/network/http_sniffer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace meshproxy::network {
namespace {

using R = HttpSniffResult;

TEST(HttpSnifferTest, Table) {
  struct Case {
    std::string input;
    R expect;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", R::kHttp11},
      {"GET / HTTP/1.1\r\n", R::kHttp11},
      {"POST /upload?x=1 HTTP/1.0\r\n", R::kHttp10},
      {"GET / HTTP/1.1\n", R::kHttp11},
      {"M-SEARCH * HTTP/1.1\r\n", R::kHttp11},
      {"CONNECT example.com:443 HTTP/1.1\r\n", R::kHttp11},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", R::kH2c},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", R::kH2c},
      // Prefixes: still possible.
      {"", R::kNeedMore},
      {"G", R::kNeedMore},
      {"GE", R::kNeedMore},
      {"GET", R::kNeedMore},
      {"GET /long/path", R::kNeedMore},
      {"GET / HTTP/1", R::kNeedMore},
      {"GET / HTTP/1.1", R::kNeedMore},
      {"GET / HTTP/1.1\r", R::kNeedMore},
      {"PRI * HTTP/2.0\r\n", R::kNeedMore},
      // Ruled out.
      {"ping-1", R::kNotHttp},
      {"get / HTTP/1.1\r\n", R::kNotHttp},
      {"FOO / HTTP/1.1\r\n", R::kNotHttp},
      {"GET  / HTTP/1.1\r\n", R::kNotHttp},
      {"GET / HTTP/2.0\r\n", R::kNotHttp},
      {"GET / HTTP/1.1x", R::kNotHttp},
      {"GET /\x01 HTTP/1.1\r\n", R::kNotHttp},
      {"SSH-2.0-OpenSSH_9.2\r\n", R::kNotHttp},
      {std::string("\x16\x03\x01\x02\x00", 5), R::kNotHttp},
      {"PRI * HTTP/2.0\r\n\r\nXX", R::kNotHttp},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sniffHttp(c.input), c.expect) << "input: " << c.input;
  }
}

TEST(HttpSnifferTest, EveryPrefixOfARequestLineWaits) {
  std::string line = "OPTIONS /a/b/c?d=e HTTP/1.0\r\n";
  for (size_t i = 0; i < line.size(); ++i) {
    EXPECT_EQ(sniffHttp(line.substr(0, i)), R::kNeedMore) << i;
  }
  EXPECT_EQ(sniffHttp(line), R::kHttp10);
}

TEST(HttpSnifferTest, AnEndlessTargetGivesUpAtTheLimit) {
  std::string line = "GET /" + std::string(200, 'a');
  EXPECT_EQ(sniffHttp(line, 100), R::kNotHttp);
  EXPECT_EQ(sniffHttp(line, 1000), R::kNeedMore);
}

// Found by http_sniffer_fuzz: a request line whose version starts right at the inspection
// limit ("... /target HTTP" cut after the space) said "need more", though bytes past the
// limit are never looked at: the connection waited for listener_filters_timeout instead of
// being taken as not HTTP. At the limit every answer is final.
TEST(HttpSnifferTest, AtTheLimitNothingWaits) {
  const std::string line = "POST /" + std::string(24, 'x') + " HTTP/1.1\r\n";
  const size_t limit = 31;  // "POST /" + 24 + " "
  ASSERT_EQ(line[limit - 1], ' ');
  EXPECT_EQ(sniffHttp(line, limit), R::kNotHttp);
  EXPECT_EQ(sniffHttp(line.substr(0, limit), limit), R::kNotHttp);
  EXPECT_EQ(sniffHttp(line.substr(0, limit + 3), limit), R::kNotHttp);
  EXPECT_EQ(sniffHttp("GET", 3), R::kNotHttp);
  EXPECT_EQ(sniffHttp("PRI * HTTP/2.0", 14), R::kNotHttp);
  // Below the limit the same bytes still wait.
  EXPECT_EQ(sniffHttp(line.substr(0, limit), limit + 1), R::kNeedMore);
  EXPECT_EQ(sniffHttp(line, line.size()), R::kHttp11);
}

TEST(HttpSnifferTest, ProtocolNames) {
  EXPECT_EQ(applicationProtocolName(R::kHttp10), "http/1.0");
  EXPECT_EQ(applicationProtocolName(R::kHttp11), "http/1.1");
  EXPECT_EQ(applicationProtocolName(R::kH2c), "h2c");
  EXPECT_EQ(applicationProtocolName(R::kNotHttp), "");
}

TEST(HttpSnifferTest, GarbageNeverCrashes) {
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 4 == 0 ? ' ' : rng());
    if (rng() % 3 == 0) s = "GET " + s;
    sniffHttp(s);
  }
}

}  // namespace
}  // namespace meshproxy::network
