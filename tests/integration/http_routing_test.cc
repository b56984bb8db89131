// Route configuration features end to end: domains, matchers, weighted canaries, rewrites,
// redirects, direct responses, header mutations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

class HttpRoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(v1_.ready());
    ASSERT_TRUE(v2_.ready());
    proxy_ = std::make_unique<HttpProxy>(HttpBootstrap{
        .route_config = R"(            request_headers_to_add:
            - header: { key: x-config-level, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" }
            response_headers_to_remove: [ x-test-server-connection ]
            virtual_hosts:
            - name: api
              domains: ["api.example.com", "api.example.com:*"]
              routes:
              - name: api-v2-by-header
                match:
                  prefix: /
                  headers: [ { name: x-version, string_match: { exact: "2" } } ]
                route: { cluster: v2 }
              - name: api-rewrite
                match: { prefix: /old/ }
                route: { cluster: v1, prefix_rewrite: /new/ }
              - name: api-regex
                match: { safe_regex: { regex: "/users/[0-9]+" } }
                route:
                  cluster: v1
                  regex_rewrite: { pattern: { regex: "^/users/([0-9]+)$" }, substitution: "/u/\\1" }
              - name: api-host
                match: { path: /host }
                route: { cluster: v1, host_rewrite_literal: backend.internal }
              - name: api-default
                match: { prefix: / }
                route: { cluster: v1 }
                request_headers_to_add:
                - header: { key: x-route, value: api-default }
                response_headers_to_add:
                - header: { key: x-upstream, value: "%UPSTREAM_HOST%" }
            - name: canary
              domains: ["*.canary.example.com"]
              routes:
              - match: { prefix: / }
                route:
                  weighted_clusters:
                    clusters: [ { name: v1, weight: 90 }, { name: v2, weight: 10 } ]
            - name: web
              domains: ["*"]
              request_headers_to_remove: [ x-secret ]
              routes:
              - match: { path: /health }
                direct_response: { status: 200, body: { inline_string: "ok\n" } }
              - match: { prefix: /go-https }
                redirect: { https_redirect: true }
              - match: { prefix: /moved }
                redirect: { path_redirect: /new-home, response_code: PERMANENT_REDIRECT }
              - match: { prefix: /q, query_parameters: [ { name: debug, present_match: true } ] }
                route: { cluster: v2 }
              - match: { prefix: /CaseLess, case_sensitive: false }
                route: { cluster: v2 }
              - match: { prefix: / }
                route: { cluster: v1 }
)",
        .clusters = {{.name = "v1", .ports = {v1_.port()}}, {.name = "v2", .ports = {v2_.port()}}}});
    ASSERT_TRUE(proxy_->ready());
  }
  HttpResponse get(std::string path, HeaderList headers = {}) { return proxy_->get(path, headers); }

  TestServerProcess v1_{{.mode = "http", .name = "v1"}};
  TestServerProcess v2_{{.mode = "http", .name = "v2"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpRoutingTest, VirtualHostsByHostHeader) {
  EXPECT_EQ(jsonField(get("/", {{"host", "api.example.com"}}).body, "x-route"), "api-default");
  EXPECT_EQ(jsonField(get("/", {{"host", "api.example.com:8080"}}).body, "x-route"), "api-default");
  EXPECT_EQ(jsonField(get("/", {{"host", "API.Example.com"}}).body, "x-route"), "api-default");
  EXPECT_EQ(jsonField(get("/", {{"host", "www.example.com"}}).body, "x-route"), "");
}

TEST_F(HttpRoutingTest, HeaderMatchSelectsTheCluster) {
  EXPECT_EQ(jsonField(get("/x", {{"host", "api.example.com"}, {"x-version", "2"}}).body, "server"), "v2");
  EXPECT_EQ(jsonField(get("/x", {{"host", "api.example.com"}, {"x-version", "1"}}).body, "server"), "v1");
}

TEST_F(HttpRoutingTest, QueryParameterAndCaseInsensitiveMatches) {
  EXPECT_EQ(jsonField(get("/q?debug=1").body, "server"), "v2");
  EXPECT_EQ(jsonField(get("/q").body, "server"), "v1");
  EXPECT_EQ(jsonField(get("/caseless/x").body, "server"), "v2");
}

TEST_F(HttpRoutingTest, PrefixRegexAndHostRewrites) {
  auto r = get("/old/thing?x=1", {{"host", "api.example.com"}});
  EXPECT_EQ(jsonField(r.body, "path"), "/new/thing?x=1");
  EXPECT_EQ(jsonField(r.body, "x-envoy-original-path"), "/old/thing?x=1");
  EXPECT_EQ(jsonField(get("/users/42", {{"host", "api.example.com"}}).body, "path"), "/u/42");
  EXPECT_EQ(jsonField(get("/host", {{"host", "api.example.com"}}).body, "host"), "backend.internal");
}

TEST_F(HttpRoutingTest, HeaderMutationsAtEachLevel) {
  auto r = get("/", {{"host", "api.example.com"}});
  EXPECT_EQ(jsonField(r.body, "x-config-level"), "127.0.0.1");
  EXPECT_EQ(r.header("x-upstream"), v1_.address());
  EXPECT_FALSE(r.hasHeader("x-test-server-connection"));
  auto web = get("/", {{"x-secret", "s3"}});
  EXPECT_EQ(jsonField(web.body, "x-secret"), "");
}

TEST_F(HttpRoutingTest, DirectResponseAndRedirects) {
  auto health = get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  auto https = get("/go-https?a=b", {{"host", "shop.example.com"}});
  EXPECT_EQ(https.status, 301);
  EXPECT_EQ(https.header("location"), "https://shop.example.com/go-https?a=b");
  auto moved = get("/moved", {{"host", "shop.example.com"}});
  EXPECT_EQ(moved.status, 308);
  EXPECT_EQ(moved.header("location"), "http://shop.example.com/new-home");
}

TEST_F(HttpRoutingTest, WeightedCanarySplitsNinetyTen) {
  constexpr int kRequests = 2000;
  // One curl process, many requests: build a config with the URL repeated.
  std::string config;
  for (int i = 0; i < kRequests; ++i) config += "url = \"" + proxy_->url("/split") + "\"\n";
  auto result = runCommand({"curl", "-s", "--max-time", "50", "-H", "host: a.canary.example.com", "--config", "-"},
                           absl::Seconds(60), config);
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  size_t v1 = 0, v2 = 0, pos = 0;
  const std::string& out = result.stdout_text;
  while ((pos = out.find("\"server\": \"v", pos)) != std::string::npos) {
    pos += 12;
    (out[pos] == '1' ? v1 : v2)++;
  }
  ASSERT_EQ(v1 + v2, static_cast<size_t>(kRequests));
  double share = static_cast<double>(v2) / kRequests;
  EXPECT_NEAR(share, 0.10, 0.05) << "v1=" << v1 << " v2=" << v2;
}

}  // namespace
}  // namespace meshproxy::testing
