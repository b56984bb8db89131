// A STRICT inbound listener (mTLS, client SPIFFE ID checked) in front of an HTTP app, probed
// with curl and openssl s_client: only the right client certificate gets through, and the app
// sees who it was in x-forwarded-client-cert.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/tls_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TlsInboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    server_ = pki_.issue(
        "backend",
        {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
    frontend_ = pki_.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
    log_path_ = pki_.dir().filePath("access.log");
    TlsListenerSpec listener{
        .port = port_,
        .transport_socket = downstreamTls(server_, pki_.caPath(), true, {kFrontendId}),
        .hcm_extra =
            "forward_client_cert_details: SANITIZE_SET, set_current_client_cert_details: "
            "{uri: true, dns: true}, ",
        .access_log_path = log_path_};
    proxy_ = std::make_unique<MeshproxyProcess>(
        tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()}}),
        MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(proxy_->ready());
  }

  CommandResult curlAs(const CertFiles* client) {
    std::vector<std::string> args = {"--cacert", pki_.caPath()};
    if (client != nullptr) args.insert(args.end(), {"--cert", client->cert, "--key", client->key});
    return curlTls(port_, args);
  }

  // openssl s_client with an HTTP request on stdin; returns its output.
  CommandResult sClient(const CertFiles* client) {
    std::vector<std::string> args = {"openssl",
                                     "s_client",
                                     "-connect",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "-servername",
                                     "backend.test",
                                     "-CAfile",
                                     pki_.caPath(),
                                     "-verify_return_error",
                                     "-ign_eof"};
    if (client != nullptr) args.insert(args.end(), {"-cert", client->cert, "-key", client->key});
    return runCommand(
        args, absl::Seconds(20),
        "GET /via-s-client HTTP/1.1\r\nHost: backend.test\r\nConnection: close\r\n\r\n");
  }

  int64_t stat(const std::string& name) { return proxy_->counterValue(name).value_or(-1); }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  TestPki pki_;
  CertFiles server_;
  CertFiles frontend_;
  std::string log_path_;
  int port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(TlsInboundTest, RightClientCertificateGets200AndTheAppSeesItsIdentity) {
  auto r = curlAs(&frontend_);
  ASSERT_TRUE(r.ok()) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, ::testing::EndsWith("\n200"));
  EXPECT_THAT(r.stdout_text, HasSubstr(std::string("By=") + kBackendId));
  EXPECT_THAT(r.stdout_text, HasSubstr(std::string("URI=") + kFrontendId));
  EXPECT_THAT(r.stdout_text, ::testing::ContainsRegex("Hash=[0-9a-f]{64}"));
  EXPECT_EQ(jsonField(r.stdout_text, "x-forwarded-proto"), "https");
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.handshake", 1));
  EXPECT_EQ(stat("listener.inbound.ssl.connection_error"), 0);
  // The access log knows the peer.
  EXPECT_TRUE(
      waitUntil([&] { return readFileText(log_path_).find(kFrontendId) != std::string::npos; },
                absl::Seconds(5)))
      << readFileText(log_path_);
}

TEST_F(TlsInboundTest, ClientCannotForgeXForwardedClientCert) {
  auto r =
      curlTls(port_, {"--cacert", pki_.caPath(), "--cert", frontend_.cert, "--key", frontend_.key,
                      "-H", "x-forwarded-client-cert: By=spiffe://evil;URI=spiffe://admin"});
  ASSERT_TRUE(r.ok()) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("spiffe://evil")));
  EXPECT_THAT(r.stdout_text, HasSubstr(std::string("URI=") + kFrontendId));
}

TEST_F(TlsInboundTest, NoClientCertificateFails) {
  auto r = curlAs(nullptr);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.fail_verify_no_cert", 1));
  EXPECT_EQ(stat("listener.inbound.ssl.handshake"), 0);

  auto s = sClient(nullptr);
  EXPECT_THAT(s.stdout_text + s.stderr_text, Not(HasSubstr("HTTP/1.1 200")));
  EXPECT_THAT(s.stdout_text + s.stderr_text, HasSubstr("certificate required"));
}

TEST_F(TlsInboundTest, ClientCertificateFromAnotherCaFails) {
  CertFiles stranger = pki_.issueFromStranger("stranger", {.uri_sans = {kFrontendId}});
  auto r = curlAs(&stranger);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.fail_verify_error", 1));
  EXPECT_EQ(stat("listener.inbound.ssl.handshake"), 0);
}

TEST_F(TlsInboundTest, RightCaButWrongSpiffeIdFails) {
  CertFiles other =
      pki_.issue("other", {.uri_sans = {"spiffe://cluster.local/ns/default/sa/other"}});
  auto r = curlAs(&other);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.fail_verify_san", 1));
  EXPECT_EQ(stat("listener.inbound.ssl.fail_verify_error"), 0);
}

TEST_F(TlsInboundTest, ExpiredClientCertificateFails) {
  CertFiles expired = pki_.issue(
      "expired", {.uri_sans = {kFrontendId}, .not_before_s = -10 * 86400, .not_after_s = -86400});
  // The expiry is real: openssl itself says so.
  auto check = runCommand({"openssl", "x509", "-in", expired.cert, "-noout", "-checkend", "0"},
                          absl::Seconds(10));
  EXPECT_NE(check.exit_code, 0) << check.stdout_text;
  auto r = curlAs(&expired);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.fail_verify_error", 1));
  EXPECT_EQ(stat("listener.inbound.ssl.handshake"), 0);
}

TEST_F(TlsInboundTest, OpensslSClientWithTheRightCertificate) {
  auto s = sClient(&frontend_);
  EXPECT_THAT(s.stdout_text, HasSubstr("HTTP/1.1 200")) << s.stderr_text;
  EXPECT_THAT(s.stdout_text, HasSubstr("Verify return code: 0 (ok)"));
  EXPECT_THAT(s.stdout_text, HasSubstr(std::string("URI=") + kFrontendId));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.handshake", 1));
}

TEST_F(TlsInboundTest, PlaintextToTheTlsPortGetsNoResponse) {
  auto r = curl({"-H", "Connection: close", "http://127.0.0.1:" + std::to_string(port_) + "/"});
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("200")));
  EXPECT_TRUE(proxy_->waitForCounterAtLeast("listener.inbound.ssl.connection_error", 1));
}

TEST_F(TlsInboundTest, CertsEndpointListsTheLoadedCertificates) {
  auto r = proxy_->adminGet("/certs");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(server_.cert));
  EXPECT_THAT(r.body, HasSubstr(pki_.caPath()));
  EXPECT_THAT(r.body, HasSubstr(std::string("{\"uri\":\"") + kBackendId + "\"}"));
  EXPECT_THAT(r.body, HasSubstr("\"days_until_expiration\":\"29\""));
  EXPECT_EQ(proxy_->counterValue("server.days_until_first_cert_expiring"), 29);
}

TEST_F(TlsInboundTest, RotatedCertificateFilesServeNewHandshakes) {
  auto serial_of = [&] {
    auto s = runCommand({"sh", "-c",
                         "openssl s_client -connect 127.0.0.1:" + std::to_string(port_) +
                             " -cert " + frontend_.cert + " -key " + frontend_.key +
                             " </dev/null 2>/dev/null | openssl x509 -noout -serial"},
                        absl::Seconds(20));
    return s.stdout_text;
  };
  std::string before = serial_of();
  ASSERT_THAT(before, HasSubstr("serial="));
  // Rewrite the files in place, as a certificate agent would.
  CertFiles rotated = pki_.issue(
      "rotated", {.uri_sans = {kBackendId}, .dns_sans = {"backend.test"}, .serial = 0x5eed});
  pki_.dir().writeFile("backend.pem", readFileText(rotated.cert));
  pki_.dir().writeFile("backend-key.pem", readFileText(rotated.key));
  EXPECT_TRUE(waitUntil([&] { return serial_of().find("5EED") != std::string::npos; },
                        absl::Seconds(10), absl::Milliseconds(500)));
  auto r = curlAs(&frontend_);
  EXPECT_THAT(r.stdout_text, ::testing::EndsWith("\n200")) << r.stderr_text;
}

}  // namespace
}  // namespace meshproxy::testing
