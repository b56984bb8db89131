// envoy.filters.http.cors in the real meshproxy, with curl: a preflight is answered by the
// proxy (the app never sees it), an actual request's response gets the CORS headers, a local
// reply of another filter (RBAC's 403) carries them too; the virtual host's `cors` field and
// a route's typed_per_filter_config both work, the most specific winning.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// CORS first, so its encodeHeaders also sees RBAC's local reply.
constexpr char kFilters[] = R"(          - name: envoy.filters.http.cors
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
              rules:
                action: DENY
                policies:
                  no-admin:
                    permissions: [ { url_path: { path: { prefix: /admin } } } ]
                    principals: [ { any: true } ]
)";

constexpr char kRoutes[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              cors:
                allow_origin_string_match: [ { exact: "https://app.example" } ]
                allow_methods: "GET, POST"
                allow_headers: "content-type, x-token"
                expose_headers: "x-request-id"
                max_age: "600"
                allow_credentials: true
              routes:
              - match: { prefix: /public }
                route: { cluster: app }
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    allow_origin_string_match: [ { prefix: "https://" } ]
                    allow_methods: "GET"
              - match: { prefix: / }
                route: { cluster: app }
)";

class HttpCorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    proxy_ = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = kRoutes,
                      .clusters = {{.name = "app", .ports = {app_.port()}}},
                      .http_filters = kFilters});
    ASSERT_TRUE(proxy_->ready());
  }
  CommandResult curlHeaders(std::vector<std::string> args, const std::string& path) {
    args.insert(args.begin(), "-i");
    args.push_back(proxy_->url(path));
    return curl(args);
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpCorsTest, PreflightIsAnsweredByTheProxy) {
  auto r = curlHeaders(
      {"-X", "OPTIONS", "-H", "Origin: https://app.example", "-H",
       "Access-Control-Request-Method: POST", "-H", "Access-Control-Request-Headers: x-token"},
      "/orders");
  EXPECT_THAT(r.stdout_text, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-allow-origin: https://app.example"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-allow-methods: GET, POST"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-allow-headers: content-type, x-token"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-max-age: 600"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-allow-credentials: true"));
  // Answered without the app.
  EXPECT_EQ((*proxy_)->counterValue("cluster.app.upstream_rq_total").value_or(-1), 0);
  EXPECT_TRUE((*proxy_)->waitForCounterAtLeast("http.ingress_http.cors.origin_valid", 1));
}

TEST_F(HttpCorsTest, ActualRequestAndLocalReplyGetTheHeaders) {
  auto ok = curlHeaders({"-H", "Origin: https://app.example"}, "/orders");
  EXPECT_THAT(ok.stdout_text, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(ok.stdout_text, HasSubstr("access-control-allow-origin: https://app.example"));
  EXPECT_THAT(ok.stdout_text, HasSubstr("access-control-expose-headers: x-request-id"));

  auto denied = curlHeaders({"-H", "Origin: https://app.example"}, "/admin");
  EXPECT_THAT(denied.stdout_text, HasSubstr("HTTP/1.1 403"));
  EXPECT_THAT(denied.stdout_text, HasSubstr("access-control-allow-origin: https://app.example"));

  auto other = curlHeaders({"-H", "Origin: https://evil.example"}, "/orders");
  EXPECT_THAT(other.stdout_text, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(other.stdout_text, Not(HasSubstr("access-control-allow-origin")));
  EXPECT_TRUE((*proxy_)->waitForCounterAtLeast("http.ingress_http.cors.origin_invalid", 1));
}

TEST_F(HttpCorsTest, RouteTypedConfigIsMoreSpecificThanTheVirtualHostField) {
  auto r = curlHeaders({"-X", "OPTIONS", "-H", "Origin: https://other.example", "-H",
                        "Access-Control-Request-Method: GET"},
                       "/public/x");
  EXPECT_THAT(r.stdout_text, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-allow-origin: https://other.example"));
  EXPECT_THAT(r.stdout_text, HasSubstr("access-control-allow-methods: GET\r\n"));
}

}  // namespace
}  // namespace meshproxy::testing
