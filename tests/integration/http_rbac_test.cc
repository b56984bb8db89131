// envoy.filters.http.rbac in the real meshproxy: an mTLS inbound listener whose HTTP RBAC lets
// the frontend's SPIFFE ID POST /orders and nobody else; a route with RBACPerRoute turns it off;
// shadow rules count and land in %DYNAMIC_METADATA(envoy.filters.http.rbac)%.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/tls_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kBatchId[] = "spiffe://cluster.local/ns/default/sa/batch";

std::string httpRbacFilter(const std::string& body) {
  return "{name: envoy.filters.http.rbac, typed_config: {\"@type\": "
         "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC, " +
         body + "}}, ";
}

// The frontend may POST /orders; shadow rules would deny the batch job everything.
const std::string kOrdersPolicy =
    "rules: {action: ALLOW, policies: {frontend-post-orders: {permissions: [{and_rules: {rules: "
    "[{header: {name: \":method\", string_match: {exact: POST}}}, {url_path: {path: {exact: "
    "/orders}}}]}}], principals: [{authenticated: {principal_name: {exact: \"" +
    std::string(kFrontendId) +
    "\"}}}]}}}, shadow_rules: {action: DENY, policies: {no-batch: {permissions: [{any: true}], "
    "principals: [{authenticated: {principal_name: {suffix: /sa/batch}}}]}}}";

// /health has RBAC disabled by an RBACPerRoute without rules.
const std::string kRoutes =
    "{match: {prefix: /health}, route: {cluster: app}, typed_per_filter_config: "
    "{envoy.filters.http.rbac: {\"@type\": "
    "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute}}}, "
    "{match: {prefix: /}, route: {cluster: app}}";

class HttpRbacTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    server_ = pki_.issue(
        "backend",
        {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
    frontend_ = pki_.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
    batch_ = pki_.issue("batch", {.common_name = "batch", .uri_sans = {kBatchId}});
    log_path_ = pki_.dir().filePath("access.log");
    TlsListenerSpec listener{
        .port = port_,
        .stat_prefix = "inbound_http",
        .transport_socket = downstreamTls(server_, pki_.caPath(), true, {}),
        .access_log_path = log_path_,
        .http_filters_before = httpRbacFilter(kOrdersPolicy),
        .routes = kRoutes,
        .access_log_format =
            "%DOWNSTREAM_PEER_URI_SAN% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% "
            "%DYNAMIC_METADATA(envoy.filters.http.rbac:shadow_engine_result)%\\n"};
    proxy_ = std::make_unique<MeshproxyProcess>(
        tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()}}),
        MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(proxy_->ready());
  }

  CommandResult as(const CertFiles& client, const std::string& method, const std::string& path) {
    return curlTls(port_,
                   {"-sS", "-X", method, "--cacert", pki_.caPath(), "--cert", client.cert, "--key",
                    client.key},
                   path);
  }
  int64_t stat(const std::string& name) { return proxy_->counterValue(name).value_or(-1); }
  std::string accessLog() {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  TestPki pki_;
  CertFiles server_;
  CertFiles frontend_;
  CertFiles batch_;
  std::string log_path_;
  int port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(HttpRbacTest, FrontendMayPostOrdersOthersGet403) {
  auto allowed = as(frontend_, "POST", "/orders");
  EXPECT_TRUE(allowed.ok()) << allowed.stderr_text;
  EXPECT_THAT(allowed.stdout_text, HasSubstr("\n200"));

  // Same identity, another method: the policy's and_rules do not match.
  auto wrong_method = as(frontend_, "DELETE", "/orders");
  EXPECT_THAT(wrong_method.stdout_text, HasSubstr("RBAC: access denied\n403"));

  // Another SPIFFE ID from the same CA: TLS accepts it, RBAC does not.
  auto denied = as(batch_, "POST", "/orders");
  EXPECT_THAT(denied.stdout_text, HasSubstr("RBAC: access denied\n403"));

  EXPECT_TRUE(proxy_->waitForCounterAtLeast("http.inbound_http.rbac.denied", 2));
  EXPECT_EQ(stat("http.inbound_http.rbac.allowed"), 1);
  EXPECT_EQ(stat("http.inbound_http.rbac.shadow_denied"), 1);
  EXPECT_EQ(stat("http.inbound_http.rbac.shadow_allowed"), 2);
  // Only the allowed request reached the app.
  EXPECT_EQ(stat("cluster.app.upstream_rq_total"), 1);

  ASSERT_TRUE(
      waitUntil([&] { return accessLog().find(kBatchId) != std::string::npos; }, absl::Seconds(5)))
      << accessLog();
  EXPECT_THAT(accessLog(), HasSubstr(std::string(kBatchId) +
                                     " 403 rbac_access_denied_matched_policy[none] denied"));
  EXPECT_THAT(accessLog(), HasSubstr(std::string(kFrontendId) + " 200 - allowed"));
}

TEST_F(HttpRbacTest, PerRouteConfigWithoutRulesDisablesRbacOnThatRoute) {
  auto health = as(batch_, "GET", "/health");
  EXPECT_TRUE(health.ok()) << health.stderr_text;
  EXPECT_THAT(health.stdout_text, HasSubstr("\n200"));
  auto other = as(batch_, "GET", "/other");
  EXPECT_THAT(other.stdout_text, HasSubstr("\n403"));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("http.inbound_http.rbac.denied", 1));
  EXPECT_EQ(stat("http.inbound_http.rbac.allowed"), 0);
}

TEST(HttpRbacConfigTest, UnimplementedFieldIsAConfigErrorNamingIt) {
  TestPki pki;
  TlsListenerSpec listener{.port = pickFreePort(),
                           .http_filters_before = httpRbacFilter("track_per_rule_stats: true")};
  const std::string path = pki.dir().writeFile(
      "bootstrap.yaml", tlsBootstrapYaml({listener}, {{.name = "app", .port = 1}}));
  CommandResult r =
      runCommand({binPath("meshproxy"), "-c", path, "--concurrency", "1"}, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("track_per_rule_stats"));
}

}  // namespace
}  // namespace meshproxy::testing
