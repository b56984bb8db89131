// Upstream TLS (UpstreamTlsContext on a cluster) and two sidecars talking mTLS:
//   client --http--> client sidecar --mTLS--> server sidecar --http--> app
// An upstream whose SAN does not match is refused with a 503, and the middle hop really is
// TLS (plaintext to the server sidecar gets nothing; its handshake counter rises).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/time/clock.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TlsSidecarsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    backend_ = pki_.issue(
        "backend",
        {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
    frontend_ = pki_.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
  }

  // The server sidecar: mTLS in (client must be `allowed`), plaintext to the app.
  void startServerSidecar(const std::vector<std::string>& allowed = {kFrontendId}, bool http = true,
                          int upstream_port = 0) {
    TlsListenerSpec listener{
        .port = server_port_,
        .transport_socket = downstreamTls(backend_, pki_.caPath(), true, allowed),
        .http = http,
        .hcm_extra =
            "forward_client_cert_details: SANITIZE_SET, "
            "set_current_client_cert_details: {uri: true}, "};
    server_ = std::make_unique<MeshproxyProcess>(tlsBootstrapYaml(
        {listener}, {{.name = "app", .port = upstream_port ? upstream_port : app_.port()}}));
    ASSERT_TRUE(server_->ready());
  }

  // The client sidecar: plaintext in, mTLS to the server sidecar expecting `expected_peer`.
  void startClientSidecar(const std::string& expected_peer = kBackendId, bool http = true,
                          const std::string& cluster_extra = "") {
    log_path_ = pki_.dir().filePath("client-access.log");
    TlsListenerSpec listener{.name = "outbound",
                             .port = client_port_,
                             .stat_prefix = "outbound",
                             .http = http,
                             .cluster = "backend",
                             .access_log_path = log_path_};
    TlsClusterSpec cluster{
        .name = "backend",
        .port = server_port_,
        .transport_socket = upstreamTls(&frontend_, pki_.caPath(), {expected_peer}, "backend.test"),
        .extra = cluster_extra};
    client_ = std::make_unique<MeshproxyProcess>(tlsBootstrapYaml({listener}, {cluster}));
    ASSERT_TRUE(client_->ready());
  }

  HttpResponse getViaClientSidecar(std::string_view path = "/") {
    return httpRequest("127.0.0.1", client_port_, "GET", path, {}, "", absl::Seconds(10));
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  TestPki pki_;
  CertFiles backend_;
  CertFiles frontend_;
  int server_port_ = pickFreePort();
  int client_port_ = pickFreePort();
  std::string log_path_;
  std::unique_ptr<MeshproxyProcess> server_;
  std::unique_ptr<MeshproxyProcess> client_;
};

TEST_F(TlsSidecarsTest, HttpThroughMutualTls) {
  startServerSidecar();
  startClientSidecar();
  auto r = getViaClientSidecar("/hello");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(jsonField(r.body, "path"), "/hello");
  EXPECT_THAT(r.body, HasSubstr(std::string("URI=") + kFrontendId));
  EXPECT_TRUE(server_->waitForCounterAtLeast("listener.inbound.ssl.handshake", 1));
  EXPECT_TRUE(client_->waitForCounterAtLeast("cluster.backend.ssl.handshake", 1));
  EXPECT_EQ(client_->counterValue("cluster.backend.ssl.connection_error"), 0);
  // Both sidecars log the identity they saw.
  EXPECT_TRUE(
      waitUntil([&] { return readFileText(log_path_).find(kBackendId) != std::string::npos; },
                absl::Seconds(5)))
      << readFileText(log_path_);
}

TEST_F(TlsSidecarsTest, TheMiddleHopIsTls) {
  startServerSidecar();
  startClientSidecar();
  ASSERT_EQ(getViaClientSidecar().status, 200);
  int64_t handshakes = server_->counterValue("listener.inbound.ssl.handshake").value_or(0);
  EXPECT_GE(handshakes, 1);
  // A plaintext HTTP client to the server sidecar's port gets no HTTP answer.
  auto plain =
      curl({"-H", "Connection: close", "http://127.0.0.1:" + std::to_string(server_port_) + "/"});
  EXPECT_FALSE(plain.ok());
  EXPECT_THAT(plain.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(server_->waitForCounterAtLeast("listener.inbound.ssl.connection_error", 1));
  EXPECT_EQ(server_->counterValue("listener.inbound.ssl.handshake"), handshakes);
}

// Active health checks use the cluster's transport: the check reaches the app through the
// mTLS hop and the server sidecar, and an upstream with the wrong identity never passes.
TEST_F(TlsSidecarsTest, HealthChecksGoThroughTheClustersTls) {
  // No panic mode (default 50%): the one host failing its check must get no traffic.
  const std::string checks =
      "    common_lb_config: { healthy_panic_threshold: { value: 0 } }\n"
      "    health_checks:\n"
      "    - { timeout: 2s, interval: 0.1s, no_traffic_interval: 0.1s, unhealthy_threshold: 1,\n"
      "        healthy_threshold: 1, http_health_check: { path: /health } }\n";
  startServerSidecar();
  startClientSidecar(kBackendId, true, checks);
  ASSERT_TRUE(client_->waitForCounter("cluster.backend.health_check.healthy",
                                      [](int64_t v) { return v == 1; }, absl::Seconds(10)));
  EXPECT_GE(client_->counterValue("cluster.backend.ssl.handshake").value_or(0), 1);
  ASSERT_EQ(httpRequest("127.0.0.1", app_.port(), "GET", "/__health/fail", {}, "").status, 200);
  ASSERT_TRUE(client_->waitForCounter("cluster.backend.health_check.healthy",
                                      [](int64_t v) { return v == 0; }, absl::Seconds(10)));
  EXPECT_EQ(getViaClientSidecar().status, 503);
}

TEST_F(TlsSidecarsTest, HealthCheckOfAnUpstreamWithTheWrongSanFails) {
  const std::string checks =
      "    health_checks:\n"
      "    - { timeout: 2s, interval: 0.1s, no_traffic_interval: 0.1s, unhealthy_threshold: 1,\n"
      "        healthy_threshold: 1, http_health_check: { path: /health } }\n";
  startServerSidecar();
  startClientSidecar("spiffe://cluster.local/ns/default/sa/somebody-else", true, checks);
  ASSERT_TRUE(client_->waitForCounterAtLeast("cluster.backend.health_check.network_failure", 2,
                                             absl::Seconds(10)));
  EXPECT_EQ(client_->counterValue("cluster.backend.health_check.success").value_or(-1), 0);
  EXPECT_TRUE(client_->waitForCounterAtLeast("cluster.backend.ssl.fail_verify_san", 1));
}

TEST_F(TlsSidecarsTest, UpstreamWithTheWrongSanIsRefused) {
  startServerSidecar();
  startClientSidecar("spiffe://cluster.local/ns/default/sa/somebody-else");
  auto r = getViaClientSidecar();
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_TRUE(client_->waitForCounterAtLeast("cluster.backend.ssl.fail_verify_san", 1));
  EXPECT_GE(client_->counterValue("cluster.backend.upstream_cx_connect_fail").value_or(0), 1);
  EXPECT_EQ(client_->counterValue("cluster.backend.ssl.handshake"), 0);
}

TEST_F(TlsSidecarsTest, ServerSidecarRefusesAClientWithTheWrongIdentity) {
  startServerSidecar({"spiffe://cluster.local/ns/default/sa/only-this-one"});
  startClientSidecar();
  auto r = getViaClientSidecar();
  EXPECT_EQ(r.status / 100, 5) << r.body;
  EXPECT_TRUE(server_->waitForCounterAtLeast("listener.inbound.ssl.fail_verify_san", 1));
}

TEST_F(TlsSidecarsTest, SessionsAreResumedOnNewUpstreamConnections) {
  startServerSidecar();
  // One request per upstream connection: each request is a new handshake.
  startClientSidecar(kBackendId, true,
                     "    typed_extension_protocol_options:\n"
                     "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                     "        \"@type\": "
                     "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                     "        common_http_protocol_options: { max_requests_per_connection: 1 }\n"
                     "        explicit_http_config: { http_protocol_options: {} }\n");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(getViaClientSidecar().status, 200);
  EXPECT_TRUE(client_->waitForCounterAtLeast("cluster.backend.ssl.handshake", 5));
  EXPECT_GE(client_->counterValue("cluster.backend.ssl.session_reused").value_or(0), 1);
  EXPECT_GE(server_->counterValue("listener.inbound.ssl.session_reused").value_or(0), 1);
}

TEST_F(TlsSidecarsTest, CertificateRotationUnderLoadDropsNothing) {
  startServerSidecar();
  // A new upstream connection (and handshake) per request, so rotations meet handshakes.
  startClientSidecar(kBackendId, true,
                     "    typed_extension_protocol_options:\n"
                     "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                     "        \"@type\": "
                     "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                     "        common_http_protocol_options: { max_requests_per_connection: 1 }\n"
                     "        explicit_http_config: { http_protocol_options: {} }\n");
  std::atomic<bool> stop{false};
  std::atomic<int> rotations{0};
  std::thread rotator([&] {
    for (int i = 0; i < 15 && !stop; ++i) {
      CertFiles next = pki_.issue("next", {.uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
      // Replaced by rename, as a certificate agent does; cert and key are two renames.
      std::rename(next.cert.c_str(), backend_.cert.c_str());
      std::rename(next.key.c_str(), backend_.key.c_str());
      ++rotations;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  int ok = 0;
  int failed = 0;
  // Load runs until the rotations are done, so a slow machine gives fewer requests rather than
  // fewer rotations; the bounds keep it finite either way.
  auto deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline && ok + failed < 4000 && rotations.load() < 10) {
    auto r = getViaClientSidecar();
    (r.status == 200 ? ok : failed)++;
  }
  stop = true;
  rotator.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(ok, 50);
  EXPECT_GE(rotations.load(), 10);
  EXPECT_EQ(server_->counterValue("listener.inbound.ssl.connection_error"), 0);
}

TEST_F(TlsSidecarsTest, TcpProxyThroughMutualTlsCarriesLargeTransfers) {
  constexpr int64_t kBytes = 20 * 1024 * 1024;
  TestServerProcess source({.mode = "source", .bytes = kBytes});
  ASSERT_TRUE(source.ready());
  startServerSidecar({kFrontendId}, /*http=*/false, source.port());
  startClientSidecar(kBackendId, /*http=*/false);
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", client_port_, absl::Seconds(5)));
  size_t received = client.discardUntilClose(absl::Seconds(60));
  EXPECT_EQ(received, static_cast<size_t>(kBytes));
  EXPECT_TRUE(client.eofSeen());
  EXPECT_TRUE(server_->waitForCounterAtLeast("listener.inbound.ssl.handshake", 1));
}

}  // namespace
}  // namespace meshproxy::testing
