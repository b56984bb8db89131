// route.hash_policy: key extraction (header, cookie with generation, source IP, query
// parameter), combination and `terminal`, and what translation refuses.
#include "proxy/route/hash_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xxhash.h>

#include "proxy/network/address.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using ::testing::HasSubstr;
using testing::buildTable;
using testing::createError;
using testing::request;

uint64_t xx(std::string_view s) { return XXH64(s.data(), s.size(), 0); }

const RouteAction& actionOf(const RouteTable& table) {
  return *table.virtualHosts().front()->routes.front().routeAction();
}

std::string withPolicies(std::string_view policies) {
  return std::string(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route:
      cluster: backend
      hash_policy: )") +
         std::string(policies) + "\n";
}

TEST(HashPolicyTest, HeaderValueIsHashed) {
  auto table = buildTable(withPolicies("[{header: {header_name: X-User}}]"));
  ASSERT_NE(table, nullptr);
  const auto& policies = actionOf(*table).hash_policies;
  http::HeaderMap headers = request("h", "/");
  EXPECT_FALSE(computeRequestHash(policies, headers, nullptr, nullptr).hash.has_value());
  headers.add("x-user", "alice");
  EXPECT_EQ(computeRequestHash(policies, headers, nullptr, nullptr).hash, xx("alice"));
  // Several values: their order does not matter.
  http::HeaderMap ab = request("h", "/"), ba = request("h", "/");
  ab.add("x-user", "a");
  ab.add("x-user", "b");
  ba.add("x-user", "b");
  ba.add("x-user", "a");
  EXPECT_EQ(computeRequestHash(policies, ab, nullptr, nullptr).hash,
            computeRequestHash(policies, ba, nullptr, nullptr).hash);
}

TEST(HashPolicyTest, CookieReadAndGenerated) {
  auto table =
      buildTable(withPolicies("[{cookie: {name: session, ttl: 3600s, path: /app}}]"));
  ASSERT_NE(table, nullptr);
  const auto& policies = actionOf(*table).hash_policies;
  http::HeaderMap with = request("h", "/");
  with.add("cookie", "a=1; session=\"abc\"; b=2");
  RequestHash hash = computeRequestHash(policies, with, nullptr, nullptr);
  EXPECT_EQ(hash.hash, xx("abc"));
  EXPECT_EQ(hash.set_cookie, "");

  auto remote = *network::Address::fromIpPort("10.0.0.7", 40000);
  auto local = *network::Address::fromIpPort("10.0.0.1", 80);
  http::HeaderMap without = request("h", "/");
  RequestHash generated = computeRequestHash(policies, without, &remote, &local);
  ASSERT_TRUE(generated.hash.has_value());
  EXPECT_THAT(generated.set_cookie, HasSubstr("session=\""));
  EXPECT_THAT(generated.set_cookie, HasSubstr("; Max-Age=3600; Path=/app; HttpOnly"));
  // The client sending the cookie back hashes the same.
  std::string value = generated.set_cookie.substr(9, 16);
  http::HeaderMap back = request("h", "/");
  back.add("cookie", "session=" + value);
  EXPECT_EQ(computeRequestHash(policies, back, &remote, &local).hash, generated.hash);
}

TEST(HashPolicyTest, CookieWithoutTtlIsNotGenerated) {
  auto table = buildTable(withPolicies("[{cookie: {name: session}}]"));
  ASSERT_NE(table, nullptr);
  auto remote = *network::Address::fromIpPort("10.0.0.7", 40000);
  RequestHash hash =
      computeRequestHash(actionOf(*table).hash_policies, request("h", "/"), &remote, nullptr);
  EXPECT_FALSE(hash.hash.has_value());
  EXPECT_EQ(hash.set_cookie, "");
}

TEST(HashPolicyTest, SourceIpAndQueryParameter) {
  auto table = buildTable(withPolicies(
      "[{connection_properties: {source_ip: true}, terminal: false}, "
      "{query_parameter: {name: shard}}]"));
  ASSERT_NE(table, nullptr);
  const auto& policies = actionOf(*table).hash_policies;
  auto remote = *network::Address::fromIpPort("192.168.1.9", 1234);
  auto other_port = *network::Address::fromIpPort("192.168.1.9", 999);
  http::HeaderMap plain = request("h", "/x");
  EXPECT_EQ(computeRequestHash(policies, plain, &remote, nullptr).hash, xx("192.168.1.9"));
  EXPECT_EQ(computeRequestHash(policies, plain, &other_port, nullptr).hash, xx("192.168.1.9"));
  // Both found: combined as rotl(h1, 1) ^ h2.
  uint64_t h1 = xx("192.168.1.9");
  uint64_t expected = ((h1 << 1) | (h1 >> 63)) ^ xx("7");
  EXPECT_EQ(computeRequestHash(policies, request("h", "/x?a=1&shard=7&shard=8"), &remote,
                               nullptr)
                .hash,
            expected);
}

TEST(HashPolicyTest, TerminalStopsAtTheFirstPolicyThatFoundItsInput) {
  auto table = buildTable(withPolicies(
      "[{header: {header_name: x-a}, terminal: true}, {header: {header_name: x-b}}]"));
  ASSERT_NE(table, nullptr);
  const auto& policies = actionOf(*table).hash_policies;
  http::HeaderMap both = request("h", "/");
  both.add("x-a", "1");
  both.add("x-b", "2");
  EXPECT_EQ(computeRequestHash(policies, both, nullptr, nullptr).hash, xx("1"));
  http::HeaderMap only_b = request("h", "/");
  only_b.add("x-b", "2");  // the terminal policy found nothing: go on
  EXPECT_EQ(computeRequestHash(policies, only_b, nullptr, nullptr).hash, xx("2"));
}

TEST(HashPolicyTest, UnsupportedFieldsAreRefusedByName) {
  EXPECT_THAT(createError(withPolicies("[{filter_state: {key: k}}]")),
              HasSubstr("filter_state"));
  EXPECT_THAT(createError(withPolicies(
                  "[{header: {header_name: x, regex_rewrite: {pattern: {regex: a}, "
                  "substitution: b}}}]")),
              HasSubstr("regex_rewrite"));
  EXPECT_THAT(createError(withPolicies("[{cookie: {name: c, attributes: [{name: n}]}}]")),
              HasSubstr("attributes"));
  EXPECT_THAT(createError(withPolicies("[{connection_properties: {source_ip: false}}]")),
              HasSubstr("source_ip"));
  EXPECT_THAT(createError(withPolicies("[{cookie: {name: \"a;b\"}}]")), HasSubstr("cookie"));
}

TEST(WeightedClusterHeaderTest, HeaderValuePicksTheClusterStickily) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route:
      weighted_clusters:
        header_name: X-User-Id
        clusters: [{name: v1, weight: 90}, {name: v2, weight: 10}]
)");
  ASSERT_NE(table, nullptr);
  const Route& route = table->virtualHosts().front()->routes.front();
  // A decimal value is taken as it is (Envoy): 95 % 100 -> v2, 5 -> v1.
  http::HeaderMap numeric = request("h", "/");
  numeric.add("x-user-id", "95");
  EXPECT_EQ(route.clusterName(numeric, 0), "v2");
  numeric.set("x-user-id", "5");
  EXPECT_EQ(route.clusterName(numeric, 99), "v1");
  // Any other value is hashed: the same on every request, whatever the stream's random.
  int v2 = 0;
  for (int user = 0; user < 2000; ++user) {
    http::HeaderMap headers = request("h", "/");
    headers.add("x-user-id", "user-" + std::to_string(user));
    std::string_view first = route.clusterName(headers, 1);
    for (uint64_t random : {2u, 77u, 123456u}) EXPECT_EQ(route.clusterName(headers, random), first);
    v2 += first == "v2";
  }
  EXPECT_NEAR(v2 / 2000.0, 0.10, 0.03);
  // No header, or two values: the stream's random value, as in Envoy.
  EXPECT_EQ(route.clusterName(request("h", "/"), 95), "v2");
  http::HeaderMap two = request("h", "/");
  two.add("x-user-id", "5");
  two.add("x-user-id", "6");
  EXPECT_EQ(route.clusterName(two, 95), "v2");
}

}  // namespace
}  // namespace meshproxy::route
