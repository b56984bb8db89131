// Cluster routes: cluster selection (name, cluster_header, weighted), rewrites, timeouts.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using std::chrono::milliseconds;
using testing::buildTable;
using testing::request;

const Route& onlyRoute(const RouteTable& table) {
  return table.virtualHosts().front()->routes.front();
}

TEST(ClusterSelectionTest, NamedCluster) {
  auto table = buildTable(R"(
virtual_hosts:
- {name: vh, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: backend}}]}
)");
  ASSERT_NE(table, nullptr);
  const Route* route = table->match(request("h", "/"), 0);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->kind(), Route::Kind::kCluster);
  EXPECT_EQ(route->clusterName(request("h", "/"), 12345), "backend");
  EXPECT_EQ(route->pickWeightedCluster(0), nullptr);
  EXPECT_EQ(table->clusterNames(), std::vector<std::string>{"backend"});
}

TEST(ClusterSelectionTest, ClusterHeader) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster_header: X-Target-Cluster, cluster_not_found_response_code: NOT_FOUND}
)");
  ASSERT_NE(table, nullptr);
  const Route& route = onlyRoute(*table);
  http::HeaderMap headers = request("h", "/");
  headers.add("x-target-cluster", "blue");
  headers.add("x-target-cluster", "green");  // only the first value counts
  EXPECT_EQ(route.clusterName(headers, 0), "blue");
  EXPECT_EQ(route.clusterName(request("h", "/"), 0), "");
  EXPECT_EQ(route.routeAction()->cluster_not_found_response_code, 404u);
  EXPECT_TRUE(table->clusterNames().empty());
}

TEST(ClusterSelectionTest, ClusterNotFoundDefaultsTo503) {
  auto table = buildTable(R"(
virtual_hosts:
- {name: vh, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster_header: x-c}}]}
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(onlyRoute(*table).routeAction()->cluster_not_found_response_code, 503u);
}

struct WeightedCase {
  uint64_t random;
  std::string_view want;
};

class WeightedClusterTest : public ::testing::TestWithParam<WeightedCase> {};

TEST_P(WeightedClusterTest, PicksByIntervalOfRandomModuloTotal) {
  // Intervals of random % 100: [0,10) a, [10,10) zero (never), [10,100) b.
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route:
      weighted_clusters:
        total_weight: 1000  # deprecated and ignored, as in Envoy
        clusters:
        - {name: a, weight: 10}
        - {name: zero, weight: 0}
        - {name: b, weight: 90}
)");
  ASSERT_NE(table, nullptr);
  const Route& route = onlyRoute(*table);
  EXPECT_EQ(route.clusterName(request("h", "/"), GetParam().random), GetParam().want)
      << "random " << GetParam().random;
  ASSERT_NE(route.pickWeightedCluster(GetParam().random), nullptr);
  EXPECT_EQ(route.pickWeightedCluster(GetParam().random)->name, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Boundaries, WeightedClusterTest,
                         ::testing::Values(WeightedCase{0, "a"}, WeightedCase{9, "a"},
                                           WeightedCase{10, "b"}, WeightedCase{99, "b"},
                                           WeightedCase{100, "a"}, WeightedCase{109, "a"},
                                           WeightedCase{110, "b"},
                                           WeightedCase{UINT64_MAX, "b"}));  // 15 % 100

TEST(WeightedClusterTest, ClusterNamesListsEveryWeightedCluster) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {match: {prefix: "/a"}, route: {weighted_clusters: {clusters: [{name: b, weight: 1}, {name: a, weight: 1}]}}}
  - {match: {prefix: "/"}, route: {cluster: a}}
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->clusterNames(), (std::vector<std::string>{"a", "b"}));
}

TEST(TimeoutTest, DefaultsAndOverrides) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: default, match: {path: "/d"}, route: {cluster: c}}
  - {name: set, match: {path: "/s"}, route: {cluster: c, timeout: 2.5s, idle_timeout: 30s}}
  - {name: disabled, match: {path: "/z"}, route: {cluster: c, timeout: 0s, idle_timeout: 0s}}
)");
  ASSERT_NE(table, nullptr);
  const auto& routes = table->virtualHosts().front()->routes;
  EXPECT_EQ(routes[0].routeAction()->timeout, milliseconds(15000));
  EXPECT_FALSE(routes[0].routeAction()->idle_timeout.has_value());
  EXPECT_EQ(routes[1].routeAction()->timeout, milliseconds(2500));
  EXPECT_EQ(routes[1].routeAction()->idle_timeout, milliseconds(30000));
  EXPECT_EQ(routes[2].routeAction()->timeout, milliseconds(0));
  EXPECT_EQ(routes[2].routeAction()->idle_timeout, milliseconds(0));
}

struct RewriteCase {
  std::string_view match;   // RouteMatch, flow style
  std::string_view action;  // RouteAction fields, flow style (cluster is added)
  std::string_view path;
  std::string_view want_path;  // "" = unchanged and no x-envoy-original-path
};

class PathRewriteTest : public ::testing::TestWithParam<RewriteCase> {};

TEST_P(PathRewriteTest, RewritesPathKeepsOriginal) {
  const RewriteCase& c = GetParam();
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: )" + std::string(c.match) +
                          R"(
    route: {cluster: c, )" +
                          std::string(c.action) + R"(}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", c.path);
  const Route* route = table->match(headers, 0);
  ASSERT_NE(route, nullptr) << c.path;
  route->applyRewrites(headers);
  if (c.want_path.empty()) {
    EXPECT_EQ(headers.path(), c.path);
    EXPECT_FALSE(headers.has("x-envoy-original-path"));
  } else {
    EXPECT_EQ(headers.path(), c.want_path) << c.match << " " << c.action << " " << c.path;
    EXPECT_EQ(headers.get("x-envoy-original-path"), c.path);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Envoy, PathRewriteTest,
    ::testing::Values(
        RewriteCase{R"({prefix: "/api/"})", R"(prefix_rewrite: "/")", "/api/users?x=1",
                    "/users?x=1"},
        RewriteCase{R"({prefix: "/api"})", R"(prefix_rewrite: "/v2")", "/api/users", "/v2/users"},
        // Case-insensitive match: the matched length is replaced whatever its case.
        RewriteCase{R"({prefix: "/api", case_sensitive: false})", R"(prefix_rewrite: "/x")",
                    "/API/u", "/x/u"},
        RewriteCase{R"({path: "/old"})", R"(prefix_rewrite: "/new")", "/old?q", "/new?q"},
        RewriteCase{R"({path_separated_prefix: "/api"})", R"(prefix_rewrite: "/svc")", "/api/x",
                    "/svc/x"},
        // For a regex route prefix_rewrite replaces the whole path before the query.
        RewriteCase{R"({safe_regex: {regex: "/v[0-9]/.*"}})", R"(prefix_rewrite: "/all")",
                    "/v1/x?q=1", "/all?q=1"},
        RewriteCase{
            R"({prefix: "/"})",
            R"(regex_rewrite: {pattern: {regex: "^/service/([^/]+)(/.*)$"}, substitution: "\\2/instance/\\1"})",
            "/service/foo/v1/api?x=/service/a/b", "/v1/api/instance/foo?x=/service/a/b"},
        RewriteCase{R"({prefix: "/"})",
                    R"(regex_rewrite: {pattern: {regex: "one"}, substitution: "two"})",
                    "/xxx/one/yyy/one/zzz", "/xxx/two/yyy/two/zzz"},
        RewriteCase{R"({prefix: "/"})",
                    R"(regex_rewrite: {pattern: {regex: "(?i)/xxx/"}, substitution: "/yyy/"})",
                    "/aaa/XxX/bbb", "/aaa/yyy/bbb"},
        RewriteCase{R"({prefix: "/"})", R"(timeout: 1s)", "/same", ""}));

TEST(PathRewriteTest, OriginalPathCanBeSuppressed) {
  auto table = buildTable(R"(
virtual_hosts:
- {name: vh, domains: ["*"], routes: [{match: {prefix: "/a"}, route: {cluster: c, prefix_rewrite: "/b"}}]}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/a/x");
  onlyRoute(*table).applyRewrites(headers, nullptr, /*keep_original_path=*/false);
  EXPECT_EQ(headers.path(), "/b/x");
  EXPECT_FALSE(headers.has("x-envoy-original-path"));
}

TEST(HostRewriteTest, LiteralAndAutoAndWeightedCluster) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: literal, match: {path: "/literal"}, route: {cluster: c, host_rewrite_literal: upstream.internal}}
  - {name: xfh, match: {path: "/xfh"},
     route: {cluster: c, host_rewrite_literal: upstream.internal, append_x_forwarded_host: true}}
  - {name: auto, match: {path: "/auto"}, route: {cluster: c, auto_host_rewrite: true}}
  - name: weighted
    match: {path: "/weighted"}
    route:
      weighted_clusters:
        clusters:
        - {name: a, weight: 1, host_rewrite_literal: a.internal}
        - {name: b, weight: 1}
)");
  ASSERT_NE(table, nullptr);

  http::HeaderMap literal = request("Example.com", "/literal");
  table->match(literal, 0)->applyRewrites(literal);
  EXPECT_EQ(literal.authority(), "upstream.internal");
  EXPECT_FALSE(literal.has("x-envoy-original-path"));
  EXPECT_FALSE(literal.has("x-forwarded-host"));

  http::HeaderMap xfh = request("example.com", "/xfh");
  table->match(xfh, 0)->applyRewrites(xfh);
  EXPECT_EQ(xfh.authority(), "upstream.internal");
  EXPECT_EQ(xfh.get("x-forwarded-host"), "example.com");

  http::HeaderMap autohost = request("example.com", "/auto");
  const Route* auto_route = table->match(autohost, 0);
  EXPECT_TRUE(auto_route->routeAction()->auto_host_rewrite);
  auto_route->applyRewrites(autohost);
  EXPECT_EQ(autohost.authority(), "example.com");  // the router rewrites it once it has a host

  http::HeaderMap weighted = request("example.com", "/weighted");
  const Route* weighted_route = table->match(weighted, 0);
  const WeightedCluster* a = weighted_route->pickWeightedCluster(0);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name, "a");
  weighted_route->applyRewrites(weighted, a);
  EXPECT_EQ(weighted.authority(), "a.internal");
  http::HeaderMap unweighted = request("example.com", "/weighted");
  weighted_route->applyRewrites(unweighted, weighted_route->pickWeightedCluster(1));
  EXPECT_EQ(unweighted.authority(), "example.com");
}

}  // namespace
}  // namespace meshproxy::route
