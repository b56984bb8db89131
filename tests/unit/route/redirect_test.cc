// Redirect Location URLs and direct responses, as Envoy builds them.
#include <gtest/gtest.h>

#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;

struct RedirectCase {
  std::string_view match;     // RouteMatch, flow style
  std::string_view redirect;  // RedirectAction fields, flow style
  std::string_view scheme;    // request :scheme (and x-forwarded-proto)
  std::string_view authority;
  std::string_view path;
  std::string_view want_location;
  uint32_t want_code = 301;
};

class RedirectTest : public ::testing::TestWithParam<RedirectCase> {};

TEST_P(RedirectTest, Location) {
  const RedirectCase& c = GetParam();
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: )" + std::string(c.match) +
                          R"(
    redirect: {)" + std::string(c.redirect) +
                          R"(}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request(c.authority, c.path, c.scheme);
  headers.add("x-forwarded-proto", c.scheme);
  const Route* route = table->match(headers, 0);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->kind(), Route::Kind::kRedirect);
  EXPECT_EQ(route->location(headers), c.want_location)
      << c.redirect << " for " << c.scheme << "://" << c.authority << c.path;
  EXPECT_EQ(route->responseCode(), c.want_code);
}

INSTANTIATE_TEST_SUITE_P(
    Envoy, RedirectTest,
    ::testing::Values(
        // https_redirect drops the default port of the old scheme, keeps any other.
        RedirectCase{R"({prefix: "/"})", "https_redirect: true", "http", "a.com", "/x?y=1",
                     "https://a.com/x?y=1"},
        RedirectCase{R"({prefix: "/"})", "https_redirect: true", "http", "a.com:80", "/x",
                     "https://a.com/x"},
        RedirectCase{R"({prefix: "/"})", "https_redirect: true", "http", "a.com:8080", "/x",
                     "https://a.com:8080/x"},
        RedirectCase{R"({prefix: "/"})", "https_redirect: true", "https", "a.com:443", "/x",
                     "https://a.com:443/x"},
        RedirectCase{R"({prefix: "/"})", "scheme_redirect: http", "https", "a.com:443", "/x",
                     "http://a.com/x"},
        RedirectCase{R"({prefix: "/"})", "https_redirect: true", "http", "[::1]:80", "/x",
                     "https://[::1]/x"},
        RedirectCase{R"({prefix: "/"})", "https_redirect: true", "http", "[::1]", "/x",
                     "https://[::1]/x"},
        // port_redirect replaces the request's port.
        RedirectCase{R"({prefix: "/"})", "port_redirect: 8443", "http", "a.com:8080", "/x",
                     "http://a.com:8443/x"},
        RedirectCase{R"({prefix: "/"})", "https_redirect: true, port_redirect: 8443", "http",
                     "a.com", "/x", "https://a.com:8443/x"},
        RedirectCase{R"({prefix: "/"})", "host_redirect: b.com", "http", "a.com:8080", "/x",
                     "http://b.com/x"},
        RedirectCase{R"({prefix: "/"})", "host_redirect: b.com, port_redirect: 81", "http", "a.com",
                     "/x", "http://b.com:81/x"},
        // path_redirect keeps the request's query unless it has its own.
        RedirectCase{R"({path: "/old-path-1"})", R"(path_redirect: "/new-path-1")", "http", "a.com",
                     "/old-path-1?bar=1", "http://a.com/new-path-1?bar=1"},
        RedirectCase{R"({path: "/old-path-2"})",
                     R"(path_redirect: "/new-path-2", strip_query: true)", "http", "a.com",
                     "/old-path-2?bar=1", "http://a.com/new-path-2"},
        RedirectCase{R"({path: "/old-path-3"})",
                     R"(path_redirect: "/new-path-3?foo=1", strip_query: true)", "http", "a.com",
                     "/old-path-3?bar=1", "http://a.com/new-path-3?foo=1"},
        RedirectCase{R"({prefix: "/"})", R"(path_redirect: "relative")", "http", "a.com", "/x",
                     "http://a.com/relative"},
        RedirectCase{R"({prefix: "/"})", "strip_query: true", "http", "a.com", "/x?y=1",
                     "http://a.com/x"},
        // prefix_rewrite and regex_rewrite rewrite the request's path.
        RedirectCase{R"({prefix: "/old/"})", R"(prefix_rewrite: "/new/")", "http", "a.com",
                     "/old/x?q=1", "http://a.com/new/x?q=1"},
        RedirectCase{R"({prefix: "/old/"})", R"(prefix_rewrite: "/new/", strip_query: true)",
                     "http", "a.com", "/old/x?q=1", "http://a.com/new/x"},
        RedirectCase{
            R"({prefix: "/"})",
            R"(regex_rewrite: {pattern: {regex: "^/service/([^/]+)(/.*)$"}, substitution: "\\2/instance/\\1"})",
            "http", "a.com", "/service/foo/v1?q", "http://a.com/v1/instance/foo?q"},
        // Response codes.
        RedirectCase{R"({prefix: "/"})", "response_code: FOUND", "http", "a.com", "/",
                     "http://a.com/", 302},
        RedirectCase{R"({prefix: "/"})", "response_code: SEE_OTHER", "http", "a.com", "/",
                     "http://a.com/", 303},
        RedirectCase{R"({prefix: "/"})", "response_code: TEMPORARY_REDIRECT", "http", "a.com", "/",
                     "http://a.com/", 307},
        RedirectCase{R"({prefix: "/"})", "response_code: PERMANENT_REDIRECT", "http", "a.com", "/",
                     "http://a.com/", 308}));

TEST(RedirectTest, PortStrippingFollowsForwardedProto) {
  // Served over TLS but asked for http://a.com:80: x-forwarded-proto says https, so ":80" is
  // not the default port of the scheme being left, and stays.
  auto table = buildTable(R"(
virtual_hosts:
- {name: vh, domains: ["*"], routes: [{match: {prefix: "/"}, redirect: {scheme_redirect: http}}]}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("a.com:80", "/x", "http");
  headers.add("x-forwarded-proto", "https");
  EXPECT_EQ(table->match(headers, 0)->location(headers), "http://a.com:80/x");
}

TEST(DirectResponseTest, StatusBodyAndLocation) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: text, match: {path: "/text"}, direct_response: {status: 503, body: {inline_string: "down\n"}}}
  - {name: bytes, match: {path: "/bytes"}, direct_response: {status: 200, body: {inline_bytes: "aGk="}}}
  - {name: empty, match: {path: "/empty"}, direct_response: {status: 204}}
  - {name: moved, match: {path: "/moved"}, direct_response: {status: 301}}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap text = request("a.com", "/text");
  const Route* route = table->match(text, 0);
  ASSERT_EQ(route->kind(), Route::Kind::kDirectResponse);
  EXPECT_EQ(route->directResponse()->status, 503u);
  EXPECT_EQ(route->directResponse()->body, "down\n");
  EXPECT_EQ(route->responseCode(), 503u);
  EXPECT_EQ(route->location(text), "");
  EXPECT_EQ(route->clusterName(text, 0), "");

  EXPECT_EQ(table->match(request("a.com", "/bytes"), 0)->directResponse()->body, "hi");
  EXPECT_EQ(table->match(request("a.com", "/empty"), 0)->directResponse()->body, "");
  // Envoy gives a 3xx (or 201) direct response the request's own URL as Location.
  http::HeaderMap moved = request("a.com", "/moved?x=1");
  EXPECT_EQ(table->match(moved, 0)->location(moved), "http://a.com/moved?x=1");
}

}  // namespace
}  // namespace meshproxy::route
