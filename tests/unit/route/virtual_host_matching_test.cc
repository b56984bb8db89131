// Virtual host selection by :authority, as Envoy's RouteMatcher::findVirtualHost does it.
#include <gtest/gtest.h>

#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;

// Each virtual host has one catch-all route named after the virtual host.
constexpr std::string_view kConfig = R"(
name: domains
virtual_hosts:
- name: exact
  domains: ["www.example.com", "api.example.com:8080"]
  routes: [{name: exact, match: {prefix: "/"}, direct_response: {status: 200}}]
- name: suffix-long
  domains: ["*-bar.example.com"]
  routes: [{name: suffix-long, match: {prefix: "/"}, direct_response: {status: 200}}]
- name: suffix
  domains: ["*.example.com"]
  routes: [{name: suffix, match: {prefix: "/"}, direct_response: {status: 200}}]
- name: prefix-long
  domains: ["foo.example.*"]
  routes: [{name: prefix-long, match: {prefix: "/"}, direct_response: {status: 200}}]
- name: prefix
  domains: ["foo.*"]
  routes: [{name: prefix, match: {prefix: "/"}, direct_response: {status: 200}}]
- name: default
  domains: ["*"]
  routes: [{name: default, match: {prefix: "/"}, direct_response: {status: 200}}]
)";

struct DomainCase {
  std::string_view authority;
  std::string_view want_vhost;
};

class DomainMatchingTest : public ::testing::TestWithParam<DomainCase> {};

TEST_P(DomainMatchingTest, PicksVirtualHost) {
  auto table = buildTable(kConfig);
  ASSERT_NE(table, nullptr);
  const VirtualHost* vhost = table->findVirtualHost(request(GetParam().authority, "/"));
  ASSERT_NE(vhost, nullptr);
  EXPECT_EQ(vhost->name, GetParam().want_vhost) << "authority " << GetParam().authority;
}

INSTANTIATE_TEST_SUITE_P(
    Envoy, DomainMatchingTest,
    ::testing::Values(
        // Exact domains, compared case-insensitively.
        DomainCase{"www.example.com", "exact"}, DomainCase{"WWW.Example.COM", "exact"},
        // An exact domain with a port matches only that port...
        DomainCase{"api.example.com:8080", "exact"},
        // ...and a port is part of the host: no fallback to the domain without it (nor to
        // "*.example.com", which "...com:8080" does not end with).
        DomainCase{"www.example.com:8080", "default"}, DomainCase{"api.example.com", "suffix"},
        // Suffix wildcards beat prefix wildcards; the longest suffix wins.
        DomainCase{"baz-bar.example.com", "suffix-long"}, DomainCase{"x.example.com", "suffix"},
        DomainCase{"foo.example.com", "suffix"},
        // The '*' stands for at least one character.
        DomainCase{"-bar.example.com", "suffix"}, DomainCase{".example.com", "default"},
        // Prefix wildcards: the longest wins.
        DomainCase{"foo.example.org", "prefix-long"}, DomainCase{"foo.bar", "prefix"},
        DomainCase{"FOO.bar", "prefix"}, DomainCase{"foo.", "default"},
        // Nothing else: the "*" virtual host.
        DomainCase{"other.org", "default"}, DomainCase{"", "default"}));

TEST(DomainMatchingTest, NoDefaultVirtualHostMeansNoMatch) {
  auto table = buildTable(R"(
virtual_hosts:
- name: only
  domains: ["a.com"]
  routes: [{name: r, match: {prefix: "/"}, direct_response: {status: 200}}]
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->findVirtualHost(request("b.com", "/")), nullptr);
  EXPECT_EQ(table->match(request("b.com", "/"), 0), nullptr);
  EXPECT_EQ(table->match(request("a.com", "/"), 0)->name(), "r");
}

TEST(DomainMatchingTest, RequestWithoutAuthorityMatchesOnlyALoneWildcard) {
  http::HeaderMap no_host{{":method", "GET"}, {":path", "/"}};
  auto lone = buildTable(R"(
virtual_hosts:
- {name: any, domains: ["*"], routes: [{match: {prefix: "/"}, direct_response: {status: 200}}]}
)");
  ASSERT_NE(lone, nullptr);
  EXPECT_NE(lone->findVirtualHost(no_host), nullptr);

  auto mixed = buildTable(kConfig);
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->findVirtualHost(no_host), nullptr);
}

TEST(DomainMatchingTest, IgnorePortInHostMatching) {
  auto table = buildTable(R"(
ignore_port_in_host_matching: true
virtual_hosts:
- {name: a, domains: ["a.com"], routes: []}
- {name: v6, domains: ["[::1]"], routes: []}
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->findVirtualHost(request("a.com:9090", "/"))->name, "a");
  EXPECT_EQ(table->findVirtualHost(request("[::1]:443", "/"))->name, "v6");
  EXPECT_EQ(table->findVirtualHost(request("[::1]", "/"))->name, "v6");
}

}  // namespace
}  // namespace meshproxy::route
