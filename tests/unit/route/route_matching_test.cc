// Route selection: path specifiers, header and query parameter matchers, route order.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;
using testing::routeName;

struct MatchCase {
  std::string_view match;  // a RouteMatch in YAML flow style
  std::string_view path;
  std::vector<std::pair<std::string, std::string>> headers;
  bool want;
};

std::string describe(const MatchCase& c) {
  std::string s = std::string(c.match) + " vs " + std::string(c.path);
  for (const auto& [name, value] : c.headers) s += " [" + name + ": " + value + "]";
  return s;
}

// Builds a table with one route whose match is `c.match` and checks whether it matches.
void expectMatch(const MatchCase& c, std::string_view extra_config = "") {
  std::string yaml = std::string(extra_config) + R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - name: r
    match: )" + std::string(c.match) +
                     R"(
    direct_response: {status: 200}
)";
  auto table = buildTable(yaml);
  ASSERT_NE(table, nullptr) << describe(c);
  http::HeaderMap headers = request("example.com", c.path);
  for (const auto& [name, value] : c.headers) headers.add(name, value);
  EXPECT_EQ(table->match(headers, 0) != nullptr, c.want) << describe(c);
}

class PathMatchTest : public ::testing::TestWithParam<MatchCase> {};
TEST_P(PathMatchTest, Matches) { expectMatch(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Prefix, PathMatchTest,
    ::testing::Values(MatchCase{R"({prefix: "/api"})", "/api", {}, true},
                      MatchCase{R"({prefix: "/api"})", "/api/v1", {}, true},
                      MatchCase{R"({prefix: "/api"})", "/apix", {}, true},
                      MatchCase{R"({prefix: "/api"})", "/ap", {}, false},
                      MatchCase{R"({prefix: "/api"})", "/API/v1", {}, false},
                      MatchCase{R"({prefix: "/api", case_sensitive: false})", "/API/v1", {}, true},
                      MatchCase{R"({prefix: ""})", "/anything", {}, true},
                      // The query string and fragment take no part in path matching.
                      MatchCase{R"({prefix: "/a"})", "/b?x=/a", {}, false},
                      MatchCase{R"({prefix: "/a?x"})", "/a?x=1", {}, false}));

INSTANTIATE_TEST_SUITE_P(
    Exact, PathMatchTest,
    ::testing::Values(MatchCase{R"({path: "/api"})", "/api", {}, true},
                      MatchCase{R"({path: "/api"})", "/api?x=1", {}, true},
                      MatchCase{R"({path: "/api"})", "/api#frag", {}, true},
                      MatchCase{R"({path: "/api"})", "/api/", {}, false},
                      MatchCase{R"({path: "/api"})", "/API", {}, false},
                      MatchCase{R"({path: "/api", case_sensitive: false})", "/API?x", {}, true}));

INSTANTIATE_TEST_SUITE_P(
    SafeRegex, PathMatchTest,
    ::testing::Values(
        MatchCase{R"({safe_regex: {google_re2: {}, regex: "/v[0-9]+/.*"}})", "/v1/users", {}, true},
        MatchCase{R"({safe_regex: {regex: "/v[0-9]+/.*"}})", "/v12/u?x=1", {}, true},
        // A full match: a match inside the path is not enough.
        MatchCase{R"({safe_regex: {regex: "/v[0-9]+/.*"}})", "/x/v1/users", {}, false},
        MatchCase{R"({safe_regex: {regex: "/v[0-9]+"}})", "/v1/users", {}, false},
        // case_sensitive does not apply to regexes (as in Envoy); (?i) does.
        MatchCase{R"({safe_regex: {regex: "/v1/.*"}, case_sensitive: false})", "/V1/x", {}, false},
        MatchCase{R"({safe_regex: {regex: "(?i)/v1/.*"}})", "/V1/x", {}, true}));

INSTANTIATE_TEST_SUITE_P(
    PathSeparatedPrefix, PathMatchTest,
    ::testing::Values(MatchCase{R"({path_separated_prefix: "/api"})", "/api", {}, true},
                      MatchCase{R"({path_separated_prefix: "/api"})", "/api/x", {}, true},
                      MatchCase{R"({path_separated_prefix: "/api"})", "/api?x=1", {}, true},
                      MatchCase{R"({path_separated_prefix: "/api"})", "/api#f", {}, true},
                      MatchCase{R"({path_separated_prefix: "/api"})", "/apix", {}, false},
                      MatchCase{R"({path_separated_prefix: "/api"})", "/ap", {}, false},
                      MatchCase{R"({path_separated_prefix: "/api"})", "/API/x", {}, false},
                      MatchCase{R"({path_separated_prefix: "/api", case_sensitive: false})",
                                "/API/x",
                                {},
                                true}));

TEST(PathMatchTest, IgnorePathParameters) {
  MatchCase exact{R"({path: "/a"})", "/a;v=1?q", {}, false};
  expectMatch(exact);
  exact.want = true;
  expectMatch(exact, "ignore_path_parameters_in_path_matching: true");
  expectMatch({R"({path_separated_prefix: "/a"})", "/a;v=1/b", {}, true},
              "ignore_path_parameters_in_path_matching: true");
}

class HeaderMatchTest : public ::testing::TestWithParam<MatchCase> {};
TEST_P(HeaderMatchTest, Matches) { expectMatch(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Deprecated, HeaderMatchTest,
    ::testing::Values(
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, exact_match: v}]})", "/", {{"x-a", "v"}}, true},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, exact_match: v}]})", "/", {{"x-a", "V"}}, false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, exact_match: v}]})", "/", {}, false},
        // An empty exact_match matches any value.
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, exact_match: ""}]})", "/", {{"x-a", "w"}}, true},
        // Header names are case-insensitive.
        MatchCase{
            R"({prefix: "/", headers: [{name: X-A, exact_match: v}]})", "/", {{"X-a", "v"}}, true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, prefix_match: ab}]})",
                  "/",
                  {{"x-a", "abc"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, prefix_match: ab}]})",
                  "/",
                  {{"x-a", "xab"}},
                  false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, suffix_match: ab}]})",
                  "/",
                  {{"x-a", "xab"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, contains_match: b}]})",
                  "/",
                  {{"x-a", "abc"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, safe_regex_match: {regex: "\\d{3}"}}]})",
                  "/",
                  {{"x-a", "123"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, safe_regex_match: {regex: "\\d{3}"}}]})",
                  "/",
                  {{"x-a", "1234"}},
                  false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, range_match: {start: -10, end: 0}}]})",
                  "/",
                  {{"x-a", "-1"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, range_match: {start: -10, end: 0}}]})",
                  "/",
                  {{"x-a", "0"}},
                  false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, range_match: {start: -10, end: 0}}]})",
                  "/",
                  {{"x-a", "-1x"}},
                  false},
        MatchCase{
            R"({prefix: "/", headers: [{name: ":method", exact_match: GET}]})", "/", {}, true}));

INSTANTIATE_TEST_SUITE_P(
    PresenceAndInvert, HeaderMatchTest,
    ::testing::Values(
        // No rule: the header must be present.
        MatchCase{R"({prefix: "/", headers: [{name: x-a}]})", "/", {{"x-a", ""}}, true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a}]})", "/", {}, false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, present_match: true}]})",
                  "/",
                  {{"x-a", "1"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, present_match: true}]})", "/", {}, false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, present_match: false}]})", "/", {}, true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, present_match: false}]})",
                  "/",
                  {{"x-a", "1"}},
                  false},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, present_match: true, invert_match: true}]})",
            "/",
            {},
            true},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, present_match: true, invert_match: true}]})",
            "/",
            {{"x-a", "1"}},
            false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, exact_match: v, invert_match: true}]})",
                  "/",
                  {{"x-a", "w"}},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, exact_match: v, invert_match: true}]})",
                  "/",
                  {{"x-a", "v"}},
                  false},
        // Envoy: an inverted value rule does not match a missing header...
        MatchCase{R"({prefix: "/", headers: [{name: x-a, exact_match: v, invert_match: true}]})",
                  "/",
                  {},
                  false},
        // ...unless the missing header counts as "".
        MatchCase{R"({prefix: "/", headers: [{name: x-a, exact_match: v, invert_match: true,
                    treat_missing_header_as_empty: true}]})",
                  "/",
                  {},
                  true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, string_match: {safe_regex: {regex: "^$"}},
                    treat_missing_header_as_empty: true}]})",
                  "/",
                  {},
                  true},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, string_match: {safe_regex: {regex: "^$"}}}]})",
            "/",
            {},
            false}));

INSTANTIATE_TEST_SUITE_P(
    StringMatch, HeaderMatchTest,
    ::testing::Values(
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, string_match: {exact: Foo, ignore_case: true}}]})",
            "/",
            {{"x-a", "fOO"}},
            true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, string_match: {exact: Foo}}]})",
                  "/",
                  {{"x-a", "fOO"}},
                  false},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, string_match: {prefix: AB, ignore_case: true}}]})",
            "/",
            {{"x-a", "abc"}},
            true},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, string_match: {suffix: BC, ignore_case: true}}]})",
            "/",
            {{"x-a", "abc"}},
            true},
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a, string_match: {contains: B, ignore_case: true}}]})",
            "/",
            {{"x-a", "abc"}},
            true},
        MatchCase{R"({prefix: "/", headers: [{name: x-a, string_match: {contains: B}}]})",
                  "/",
                  {{"x-a", "abc"}},
                  false},
        // A repeated header is matched as its values joined with ",".
        MatchCase{R"({prefix: "/", headers: [{name: x-a, string_match: {exact: "a,b"}}]})",
                  "/",
                  {{"x-a", "a"}, {"x-a", "b"}},
                  true},
        // Every header matcher must match.
        MatchCase{
            R"({prefix: "/", headers: [{name: x-a}, {name: x-b}]})", "/", {{"x-a", "1"}}, false},
        MatchCase{R"({prefix: "/", headers: [{name: x-a}, {name: x-b}]})",
                  "/",
                  {{"x-a", "1"}, {"x-b", "2"}},
                  true}));

class QueryParameterMatchTest : public ::testing::TestWithParam<MatchCase> {};
TEST_P(QueryParameterMatchTest, Matches) { expectMatch(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Envoy, QueryParameterMatchTest,
    ::testing::Values(
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, present_match: true}]})",
                  "/p?debug",
                  {},
                  true},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, present_match: true}]})",
                  "/p?a=1&debug=0",
                  {},
                  true},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, present_match: true}]})",
                  "/p",
                  {},
                  false},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, present_match: true}]})",
                  "/p?xdebug=1",
                  {},
                  false},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, present_match: false}]})",
                  "/p",
                  {},
                  true},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, present_match: false}]})",
                  "/p?debug=1",
                  {},
                  false},
        // No rule: present.
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug}]})", "/p?debug=1", {}, true},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, string_match: {exact: "1"}}]})",
                  "/p?debug=1",
                  {},
                  true},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, string_match: {exact: "1"}}]})",
                  "/p",
                  {},
                  false},
        // Only the first occurrence counts, and values are not percent-decoded.
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, string_match: {exact: "1"}}]})",
                  "/p?debug=2&debug=1",
                  {},
                  false},
        MatchCase{R"({prefix: "/", query_parameters: [{name: debug, string_match: {exact: "1"}}]})",
                  "/p?debug=%31",
                  {},
                  false},
        // A value may contain '='; a key alone has the value "".
        MatchCase{R"({prefix: "/", query_parameters: [{name: k, string_match: {exact: "a=b"}}]})",
                  "/p?k=a=b",
                  {},
                  true},
        MatchCase{R"({prefix: "/", query_parameters: [{name: k, string_match: {exact: ""}}]})",
                  "/p?k",
                  {},
                  true},
        MatchCase{
            R"({prefix: "/", query_parameters: [{name: k, string_match: {prefix: "AB", ignore_case: true}}]})",
            "/p?k=abc",
            {},
            true}));

TEST(RouteOrderTest, FirstMatchingRouteWins) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: v1, match: {prefix: "/api/v1"}, direct_response: {status: 200}}
  - {name: api, match: {prefix: "/api"}, direct_response: {status: 200}}
  - {name: v1-shadowed, match: {prefix: "/api/v1/users"}, direct_response: {status: 200}}
  - {name: with-header, match: {prefix: "/", headers: [{name: x-canary}]}, direct_response: {status: 200}}
  - {name: root, match: {prefix: "/"}, direct_response: {status: 200}}
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(routeName(*table, request("h", "/api/v1/users")), "v1");
  EXPECT_EQ(routeName(*table, request("h", "/api/v2")), "api");
  EXPECT_EQ(routeName(*table, request("h", "/other")), "root");
  http::HeaderMap canary = request("h", "/other");
  canary.add("x-canary", "1");
  EXPECT_EQ(routeName(*table, canary), "with-header");
  // No :path (a CONNECT request): no route.
  EXPECT_EQ(routeName(*table, http::HeaderMap{{":method", "CONNECT"}, {":authority", "h:443"}}),
            "<none>");
}

TEST(RouteOrderTest, NoRouteMatches) {
  auto table = buildTable(R"(
virtual_hosts:
- {name: vh, domains: ["*"], routes: [{name: a, match: {path: "/a"}, direct_response: {status: 200}}]}
)");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(routeName(*table, request("h", "/b")), "<none>");
}

}  // namespace
}  // namespace meshproxy::route
