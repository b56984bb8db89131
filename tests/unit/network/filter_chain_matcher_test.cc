// Envoy's filter chain selection order, table-driven.
#include "proxy/network/filter_chain_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace meshproxy::network {
namespace {

CidrRange cidr(std::string_view ip, uint32_t len) { return *CidrRange::create(ip, len); }

Address addr(std::string_view host_port) { return *Address::parse(host_port); }

struct ChainSpec {
  std::string name;
  FilterChainMatch match;
};

FilterChainMatcher build(const std::vector<ChainSpec>& specs, bool with_default = false) {
  std::vector<FilterChainMatcher::Entry> entries;
  for (const auto& s : specs) {
    auto chain = std::make_shared<FilterChain>();
    chain->name = s.name;
    entries.push_back({s.match, chain});
  }
  std::shared_ptr<FilterChain> def;
  if (with_default) {
    def = std::make_shared<FilterChain>();
    def->name = "default";
  }
  auto m = FilterChainMatcher::create(std::move(entries), def);
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(*m);
}

struct Conn {
  std::string local = "10.0.0.1:80";
  std::string remote = "192.168.1.5:40000";
  std::string sni;
  std::string transport = "raw_buffer";
  std::vector<std::string> alpn;
};

std::string pick(const FilterChainMatcher& m, const Conn& c) {
  Address local = addr(c.local);
  Address remote = addr(c.remote);
  ConnectionMatchInfo info{local, remote, c.sni, c.transport, &c.alpn};
  const FilterChain* chain = m.select(info);
  return chain == nullptr ? "<none>" : chain->name;
}

TEST(CidrRangeTest, ContainsAndCanonicalForm) {
  EXPECT_TRUE(cidr("10.1.2.3", 8).contains(addr("10.200.0.1:1")));
  EXPECT_FALSE(cidr("10.0.0.0", 8).contains(addr("11.0.0.1:1")));
  EXPECT_EQ(cidr("10.1.2.3", 8).str(), "10.0.0.0/8");
  EXPECT_TRUE(cidr("10.0.0.0", 12).contains(addr("10.15.255.255:1")));
  EXPECT_FALSE(cidr("10.0.0.0", 12).contains(addr("10.16.0.0:1")));
  EXPECT_TRUE(cidr("0.0.0.0", 0).contains(addr("1.2.3.4:1")));
  EXPECT_FALSE(cidr("0.0.0.0", 0).contains(addr("[::1]:1")));
  EXPECT_TRUE(cidr("2001:db8::", 32).contains(addr("[2001:db8:1::5]:1")));
  EXPECT_FALSE(cidr("2001:db8::", 33).contains(addr("[2001:db8:8000::]:1")));
  EXPECT_FALSE(CidrRange::create("10.0.0.0", 33).ok());
  EXPECT_FALSE(CidrRange::create("not-an-ip", 8).ok());
}

struct Case {
  const char* what;
  Conn conn;
  const char* expect;
};

void runCases(const FilterChainMatcher& m, const std::vector<Case>& cases) {
  for (const auto& c : cases) EXPECT_EQ(pick(m, c.conn), c.expect) << c.what;
}

TEST(FilterChainMatcherTest, DestinationPortThenPrefixWithoutBacktracking) {
  FilterChainMatch port80;
  port80.destination_port = 80;
  port80.server_names = {"a.example.com"};
  FilterChainMatch any_port_any;
  FilterChainMatch port443;
  port443.destination_port = 443;
  auto m = build({{"port80-sni", port80}, {"anyport", any_port_any}, {"port443", port443}},
                 /*with_default=*/true);
  runCases(m, {
                  {"port 80 with the SNI", {.sni = "a.example.com"}, "port80-sni"},
                  // The port matched most specifically; its SNI fails; no fallback to
                  // "anyport" (Envoy does not backtrack): the default chain.
                  {"port 80 without the SNI", {.sni = "b.example.com"}, "default"},
                  {"port 443", {.local = "10.0.0.1:443"}, "port443"},
                  {"other port", {.local = "10.0.0.1:8080"}, "anyport"},
              });
}

TEST(FilterChainMatcherTest, LongestDestinationPrefixWins) {
  FilterChainMatch wide, narrow, all4;
  wide.prefix_ranges = {cidr("10.0.0.0", 8)};
  narrow.prefix_ranges = {cidr("10.1.0.0", 16), cidr("192.168.0.0", 16)};
  all4.prefix_ranges = {cidr("0.0.0.0", 0)};
  auto m = build({{"wide", wide}, {"narrow", narrow}, {"all4", all4}});
  runCases(m, {
                  {"in /16", {.local = "10.1.2.3:80"}, "narrow"},
                  {"in /8 only", {.local = "10.2.2.3:80"}, "wide"},
                  {"second range of a chain", {.local = "192.168.7.7:80"}, "narrow"},
                  {"anything v4", {.local = "8.8.8.8:80"}, "all4"},
                  {"v6 matches nothing, no default", {.local = "[2001:db8::1]:80"}, "<none>"},
              });
}

TEST(FilterChainMatcherTest, ServerNamesExactThenLongestWildcardThenAny) {
  FilterChainMatch exact, wild, deeper_wild, none;
  exact.server_names = {"api.example.com"};
  wild.server_names = {"*.example.com"};
  deeper_wild.server_names = {"*.prod.example.com"};
  auto m = build({{"exact", exact}, {"wild", wild}, {"deeper", deeper_wild}, {"none", none}});
  runCases(m, {
                  {"exact beats wildcard", {.sni = "api.example.com"}, "exact"},
                  {"wildcard", {.sni = "www.example.com"}, "wild"},
                  {"wildcard spans labels", {.sni = "a.b.example.com"}, "wild"},
                  {"longer suffix wins", {.sni = "x.prod.example.com"}, "deeper"},
                  {"the bare domain is not *.example.com", {.sni = "example.com"}, "none"},
                  {"no SNI", {}, "none"},
                  {"unrelated name", {.sni = "other.org"}, "none"},
              });
}

TEST(FilterChainMatcherTest, TransportProtocolAndApplicationProtocols) {
  FilterChainMatch tls_h2, tls_any, raw_http11, raw_any;
  tls_h2.transport_protocol = "tls";
  tls_h2.application_protocols = {"h2"};
  tls_any.transport_protocol = "tls";
  raw_http11.transport_protocol = "raw_buffer";
  raw_http11.application_protocols = {"http/1.1", "http/1.0"};
  raw_any.transport_protocol = "raw_buffer";
  auto m =
      build({{"tls-h2", tls_h2}, {"tls", tls_any}, {"raw-http1", raw_http11}, {"raw", raw_any}});
  runCases(m, {
                  {"tls + h2", {.transport = "tls", .alpn = {"h2", "http/1.1"}}, "tls-h2"},
                  {"tls + http/1.1 only", {.transport = "tls", .alpn = {"http/1.1"}}, "tls"},
                  {"tls without alpn", {.transport = "tls"}, "tls"},
                  {"plain http/1.0", {.alpn = {"http/1.0"}}, "raw-http1"},
                  {"plain non-http", {}, "raw"},
                  {"h2c is not http/1", {.alpn = {"h2c"}}, "raw"},
              });
}

TEST(FilterChainMatcherTest, ConnectionOrderOfAlpnDecidesBetweenChains) {
  FilterChainMatch h2, h1;
  h2.application_protocols = {"h2"};
  h1.application_protocols = {"http/1.1"};
  auto m = build({{"h2", h2}, {"h1", h1}});
  runCases(m, {
                  {"h2 first", {.alpn = {"h2", "http/1.1"}}, "h2"},
                  {"http/1.1 first", {.alpn = {"http/1.1", "h2"}}, "h1"},
              });
}

TEST(FilterChainMatcherTest, SourceTypePrefixAndPort) {
  FilterChainMatch local, external_net, external_port, external;
  local.source_type = SourceType::kSameIpOrLoopback;
  external_net.source_type = SourceType::kExternal;
  external_net.source_prefix_ranges = {cidr("192.168.0.0", 16)};
  external_port.source_type = SourceType::kExternal;
  external_port.source_prefix_ranges = {cidr("192.168.0.0", 16)};
  external_port.source_ports = {5555};
  external.source_type = SourceType::kExternal;
  auto m = build({{"local", local},
                  {"ext-net", external_net},
                  {"ext-port", external_port},
                  {"ext", external}});
  runCases(m,
           {
               {"loopback source", {.local = "127.0.0.1:80", .remote = "127.0.0.9:1000"}, "local"},
               {"same IP as local", {.remote = "10.0.0.1:1000"}, "local"},
               {"external in prefix", {.remote = "192.168.1.1:1000"}, "ext-net"},
               {"external in prefix, listed port", {.remote = "192.168.1.1:5555"}, "ext-port"},
               {"external elsewhere", {.remote = "172.16.0.1:1000"}, "ext"},
           });
}

TEST(FilterChainMatcherTest, NoMatchWithoutDefaultIsNone) {
  FilterChainMatch tls;
  tls.transport_protocol = "tls";
  auto m = build({{"tls", tls}});
  EXPECT_EQ(pick(m, {}), "<none>");
  auto with_default = build({{"tls", tls}}, true);
  EXPECT_EQ(pick(with_default, {}), "default");
  auto only_default = build({}, true);
  EXPECT_EQ(pick(only_default, {.transport = "tls"}), "default");
}

TEST(FilterChainMatcherTest, SingleChainWithoutConditionsMatchesEverything) {
  auto m = build({{"only", {}}});
  EXPECT_EQ(pick(m, {.local = "[::1]:9", .remote = "[::1]:10", .transport = "tls"}), "only");
}

TEST(FilterChainMatcherTest, DuplicateMatchesAreRejected) {
  auto chain = std::make_shared<FilterChain>();
  FilterChainMatch a, b;
  a.server_names = {"x.com", "y.com"};
  a.destination_port = 80;
  b.server_names = {"y.com"};
  b.destination_port = 80;
  auto m = FilterChainMatcher::create({{a, chain}, {b, chain}}, nullptr);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("same filter_chain_match"), std::string::npos) << m.status();
  // Two chains without conditions are duplicates too.
  EXPECT_FALSE(FilterChainMatcher::create({{{}, chain}, {{}, chain}}, nullptr).ok());
  // Differing in one value is fine.
  b.server_names = {"z.com"};
  EXPECT_TRUE(FilterChainMatcher::create({{a, chain}, {b, chain}}, nullptr).ok());
  // The same prefix written differently is the same prefix.
  FilterChainMatch c, d;
  c.prefix_ranges = {cidr("10.1.2.3", 8)};
  d.prefix_ranges = {cidr("10.0.0.0", 8)};
  EXPECT_FALSE(FilterChainMatcher::create({{c, chain}, {d, chain}}, nullptr).ok());
}

}  // namespace
}  // namespace meshproxy::network
