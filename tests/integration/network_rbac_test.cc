// envoy.filters.network.rbac in the real meshproxy: an mTLS TCP listener (tcp_proxy to an app)
// whose RBAC allows one SPIFFE ID and not another. Both client certificates come from the
// mesh CA, so TLS accepts both and only RBAC tells them apart; the denied one is closed right
// after the handshake and never causes an upstream connection. Shadow rules count without
// blocking; a plaintext listener is decided on the peer address.
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
using ::testing::Not;

constexpr char kBatchId[] = "spiffe://cluster.local/ns/default/sa/batch";

std::string rbacFilter(const std::string& body) {
  return "{name: envoy.filters.network.rbac, typed_config: {\"@type\": "
         "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC, " +
         body + "}}, ";
}

// ALLOW the frontend's SPIFFE ID only.
const std::string kAllowFrontend =
    "stat_prefix: tcp_orders, rules: {action: ALLOW, policies: {frontend-only: {permissions: "
    "[{any: true}], principals: [{authenticated: {principal_name: {exact: \"" +
    std::string(kFrontendId) + "\"}}}]}}}";

// Enforces nothing; would deny the batch job.
const std::string kShadowDenyBatch =
    "stat_prefix: tcp_orders, shadow_rules_stat_prefix: canary_, shadow_rules: {action: DENY, "
    "policies: {no-batch: {permissions: [{any: true}], principals: [{authenticated: "
    "{principal_name: {suffix: /sa/batch}}}]}}}";

class NetworkRbacTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    server_ = pki_.issue(
        "backend",
        {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
    frontend_ = pki_.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
    batch_ = pki_.issue("batch", {.common_name = "batch", .uri_sans = {kBatchId}});
    log_path_ = pki_.dir().filePath("access.log");
  }

  // An mTLS listener that trusts the mesh CA and checks no SAN itself: RBAC decides.
  void startProxy(const std::string& rbac_body) {
    TlsListenerSpec listener{
        .port = port_,
        .transport_socket = downstreamTls(server_, pki_.caPath(), true, {}),
        .http = false,
        .access_log_path = log_path_,
        .filters_before = rbacFilter(rbac_body),
        .access_log_format = "%DOWNSTREAM_PEER_URI_SAN% %CONNECTION_TERMINATION_DETAILS%\\n"};
    proxy_ = std::make_unique<MeshproxyProcess>(
        tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()}}),
        MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(proxy_->ready());
  }

  // openssl s_client as `client`, an HTTP request through the TCP proxy to the HTTP app.
  CommandResult requestAs(const CertFiles& client) {
    return runCommand(
        {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port_), "-servername",
         "backend.test", "-CAfile", pki_.caPath(), "-verify_return_error", "-ign_eof", "-cert",
         client.cert, "-key", client.key},
        absl::Seconds(20),
        "GET /orders HTTP/1.1\r\nHost: backend.test\r\nConnection: close\r\n\r\n");
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

TEST_F(NetworkRbacTest, AllowedSpiffeIdReachesTheAppAnotherIsClosedBeforeAnyUpstream) {
  startProxy(kAllowFrontend);

  auto allowed = requestAs(frontend_);
  EXPECT_THAT(allowed.stdout_text, HasSubstr("HTTP/1.1 200")) << allowed.stderr_text;
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("tcp_orders.rbac.allowed", 1));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("cluster.app.upstream_cx_total", 1));

  auto denied = requestAs(batch_);
  // The handshake itself succeeds (same CA); then the connection is closed unanswered.
  EXPECT_THAT(denied.stdout_text, HasSubstr("Verify return code: 0 (ok)")) << denied.stderr_text;
  EXPECT_THAT(denied.stdout_text, Not(HasSubstr("HTTP/1.1")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("tcp_orders.rbac.denied", 1));
  EXPECT_EQ(stat("tcp_orders.rbac.allowed"), 1);
  // The denied peer never made the proxy connect to the app.
  EXPECT_EQ(stat("cluster.app.upstream_cx_total"), 1);

  // tcp_proxy's access log has both connections, the denied one with its reason.
  ASSERT_TRUE(
      waitUntil([&] { return accessLog().find(kBatchId) != std::string::npos; }, absl::Seconds(5)))
      << accessLog();
  EXPECT_THAT(accessLog(),
              HasSubstr(std::string(kBatchId) + " rbac_access_denied_matched_policy[none]"));
  EXPECT_THAT(accessLog(), HasSubstr(std::string(kFrontendId) + " -"));
}

TEST_F(NetworkRbacTest, ShadowRulesCountWhatWouldBeDeniedButBlockNothing) {
  startProxy(kShadowDenyBatch);

  auto frontend = requestAs(frontend_);
  EXPECT_THAT(frontend.stdout_text, HasSubstr("HTTP/1.1 200")) << frontend.stderr_text;
  auto batch = requestAs(batch_);
  EXPECT_THAT(batch.stdout_text, HasSubstr("HTTP/1.1 200")) << batch.stderr_text;

  EXPECT_TRUE(proxy_->waitForCounterAtLeast("tcp_orders.rbac.canary_shadow_denied", 1));
  EXPECT_EQ(stat("tcp_orders.rbac.canary_shadow_allowed"), 1);
  EXPECT_EQ(stat("tcp_orders.rbac.denied"), 0);
  EXPECT_EQ(stat("cluster.app.upstream_cx_total"), 2);
}

TEST_F(NetworkRbacTest, InFrontOfTheHttpConnectionManager) {
  // The connection manager starts only once RBAC let the connection through.
  TlsListenerSpec listener{.port = port_,
                           .stat_prefix = "inbound_http",
                           .transport_socket = downstreamTls(server_, pki_.caPath(), true, {}),
                           .filters_before = rbacFilter(kAllowFrontend)};
  proxy_ = std::make_unique<MeshproxyProcess>(
      tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()}}),
      MeshproxyOptions{.concurrency = 2});
  ASSERT_TRUE(proxy_->ready());
  auto as = [&](const CertFiles& client) {
    return curlTls(port_, {"--cacert", pki_.caPath(), "--cert", client.cert, "--key", client.key},
                   "/orders");
  };
  for (int i = 0; i < 3; ++i) {
    auto allowed = as(frontend_);
    EXPECT_TRUE(allowed.ok()) << allowed.stderr_text;
    EXPECT_THAT(allowed.stdout_text, HasSubstr("\n200"));
  }
  auto denied = as(batch_);
  EXPECT_FALSE(denied.ok());
  EXPECT_THAT(denied.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("tcp_orders.rbac.denied", 1));
  EXPECT_EQ(stat("tcp_orders.rbac.allowed"), 3);
  EXPECT_EQ(stat("http.inbound_http.downstream_rq_total"), 3);
  EXPECT_EQ(stat("http.inbound_http.downstream_cx_total"), 3);
}

TEST_F(NetworkRbacTest, PlaintextListenerIsDecidedOnThePeerAddress) {
  // Loopback clients are outside 10.0.0.0/8: denied at accept, before tcp_proxy starts.
  TlsListenerSpec listener{
      .port = port_,
      .http = false,
      .filters_before = rbacFilter(
          "stat_prefix: plain, rules: {action: ALLOW, policies: {pods: {permissions: [{any: "
          "true}], principals: [{direct_remote_ip: {address_prefix: 10.0.0.0, prefix_len: "
          "8}}]}}}")};
  proxy_ = std::make_unique<MeshproxyProcess>(
      tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()}}),
      MeshproxyOptions{.concurrency = 1});
  ASSERT_TRUE(proxy_->ready());

  auto r =
      curl({"-sS", "-H", "Connection: close", "http://127.0.0.1:" + std::to_string(port_) + "/"},
           absl::Seconds(10));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("plain.rbac.denied", 1));
  EXPECT_EQ(stat("cluster.app.upstream_cx_total"), 0);
}

TEST_F(NetworkRbacTest, UnimplementedFieldIsAConfigErrorNamingIt) {
  TlsListenerSpec listener{
      .port = port_,
      .http = false,
      .filters_before = rbacFilter(
          "stat_prefix: x, rules: {action: ALLOW, audit_logging_options: {audit_condition: "
          "ON_DENY}}")};
  const std::string path = pki_.dir().writeFile(
      "bootstrap.yaml", tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()}}));
  CommandResult r =
      runCommand({binPath("meshproxy"), "-c", path, "--concurrency", "1"}, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("audit_logging_options"));
}

}  // namespace
}  // namespace meshproxy::testing
