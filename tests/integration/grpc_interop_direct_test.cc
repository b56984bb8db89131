// The gRPC interop tooling proven without a proxy: every standard case of
// mesh-grpc-interop-client straight to mesh-grpc-interop-server over h2c, TLS and mTLS, the
// health service driven by signals, and the failures the tooling must report (no server, a
// server that is not gRPC, a certificate that does not match, a missing client certificate).
// The HTTP/2 tests run the same cases through meshproxy with the same helpers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/grpc_interop_process.h"
#include "tests/support/ports.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kServerName[] = "interop.test";

// A CA, a server certificate for kServerName and a client certificate, as files.
class InteropPki {
 public:
  InteropPki()
      : server_(pki_.issue("server", {.common_name = kServerName, .dns_sans = {kServerName}})),
        client_(pki_.issue("client", {.common_name = "client", .uri_sans = {kFrontendId}})) {}

  GrpcInteropServerOptions tlsServer(bool require_client_cert) const {
    return {.tls_cert_file = server_.cert,
            .tls_key_file = server_.key,
            .tls_client_ca_file = require_client_cert ? pki_.caPath() : ""};
  }
  GrpcInteropClientOptions tlsClient(int port, bool with_client_cert) const {
    GrpcInteropClientOptions options{
        .port = port, .authority = kServerName, .use_tls = true, .ca_file = pki_.caPath()};
    if (with_client_cert) {
      options.cert_file = client_.cert;
      options.key_file = client_.key;
    }
    return options;
  }

 private:
  TestPki pki_;
  CertFiles server_;
  CertFiles client_;
};

class GrpcInteropDirectH2c : public ::testing::TestWithParam<std::string> {};

TEST_P(GrpcInteropDirectH2c, CasePasses) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  EXPECT_TRUE(grpcInteropCasePasses({.port = server.port()}, GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Standard, GrpcInteropDirectH2c,
                         ::testing::ValuesIn(grpcInteropCaseNames()), grpcInteropCaseParamName);

class GrpcInteropDirectTls : public ::testing::TestWithParam<std::string> {};

TEST_P(GrpcInteropDirectTls, CasePasses) {
  InteropPki pki;
  GrpcInteropServerProcess server(pki.tlsServer(/*require_client_cert=*/false));
  ASSERT_TRUE(server.ready());
  EXPECT_TRUE(grpcInteropCasePasses(pki.tlsClient(server.port(), false), GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Standard, GrpcInteropDirectTls,
                         ::testing::ValuesIn(grpcInteropCaseNames()), grpcInteropCaseParamName);

TEST(GrpcInteropDirect, AllCasesInOneClientRun) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  CommandResult result = runGrpcInteropClient({.port = server.port()}, "all");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  for (const std::string& name : grpcInteropCaseNames()) {
    EXPECT_THAT(result.stdout_text, HasSubstr("PASS " + name + " "));
  }
}

TEST(GrpcInteropDirect, HelperListMatchesTheClientsList) {
  CommandResult result = runGrpcInteropClient({.port = 1}, "list");
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  std::vector<std::string> listed = absl::StrSplit(result.stdout_text, '\n', absl::SkipEmpty());
  EXPECT_THAT(listed, ElementsAreArray(grpcInteropCaseNames()));
}

TEST(GrpcInteropDirect, MutualTlsPassesWithAClientCertificate) {
  InteropPki pki;
  GrpcInteropServerProcess server(pki.tlsServer(/*require_client_cert=*/true));
  ASSERT_TRUE(server.ready());
  EXPECT_TRUE(grpcInteropCasePasses(pki.tlsClient(server.port(), true), "all"));
}

TEST(GrpcInteropDirect, MutualTlsRefusesAClientWithoutCertificate) {
  InteropPki pki;
  GrpcInteropServerProcess server(pki.tlsServer(/*require_client_cert=*/true));
  ASSERT_TRUE(server.ready());
  CommandResult result = runGrpcInteropClient(pki.tlsClient(server.port(), false), "empty_unary");
  EXPECT_EQ(result.exit_code, 1) << result.stdout_text << result.stderr_text;
  EXPECT_THAT(result.stderr_text, HasSubstr("FAIL empty_unary: EmptyCall: expected status 0"));
  EXPECT_THAT(result.stderr_text, HasSubstr("UNAVAILABLE"));
}

TEST(GrpcInteropDirect, ServerCertificateForAnotherNameFails) {
  InteropPki pki;
  GrpcInteropServerProcess server(pki.tlsServer(/*require_client_cert=*/false));
  ASSERT_TRUE(server.ready());
  GrpcInteropClientOptions options = pki.tlsClient(server.port(), false);
  options.authority = "somebody-else.test";
  CommandResult result = runGrpcInteropClient(options, "empty_unary");
  EXPECT_EQ(result.exit_code, 1) << result.stdout_text << result.stderr_text;
  EXPECT_THAT(result.stderr_text, HasSubstr("UNAVAILABLE"));
}

TEST(GrpcInteropDirect, PlaintextClientToTlsServerFails) {
  InteropPki pki;
  GrpcInteropServerProcess server(pki.tlsServer(/*require_client_cert=*/false));
  ASSERT_TRUE(server.ready());
  CommandResult result = runGrpcInteropClient({.port = server.port()}, "empty_unary");
  EXPECT_EQ(result.exit_code, 1) << result.stdout_text << result.stderr_text;
  EXPECT_THAT(result.stderr_text, HasSubstr("FAIL empty_unary"));
}

TEST(GrpcInteropDirect, NoServerFailsWithUnavailable) {
  CommandResult result = runGrpcInteropClient({.port = pickFreePort()}, "large_unary");
  EXPECT_EQ(result.exit_code, 1) << result.stdout_text << result.stderr_text;
  EXPECT_THAT(result.stderr_text, HasSubstr("FAIL large_unary: UnaryCall: expected status 0 (OK), "
                                            "got 14 (UNAVAILABLE)"));
}

TEST(GrpcInteropDirect, HttpOneServerIsNotMistakenForGrpc) {
  TestServerProcess http("http");
  ASSERT_TRUE(http.ready());
  for (const std::string& name : grpcInteropCaseNames()) {
    CommandResult result = runGrpcInteropClient({.port = http.port()}, name);
    EXPECT_EQ(result.exit_code, 1) << name << "\n" << result.stdout_text << result.stderr_text;
  }
}

TEST(GrpcInteropDirect, UnknownCaseIsAUsageError) {
  CommandResult result = runGrpcInteropClient({.port = 1}, "no_such_case");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.stderr_text, HasSubstr("unknown test case \"no_such_case\""));
}

TEST(GrpcInteropDirect, HealthStatusFollowsTheServersSignals) {
  GrpcInteropServerProcess server(
      {.serving = false, .health_services = {"grpc.testing.TestService"}});
  ASSERT_TRUE(server.ready());
  auto health = [&](const std::string& service, const std::string& expect) {
    return grpcInteropCasePasses(
        {.port = server.port(),
         .extra_args = {"--health_service=" + service, "--expect_health=" + expect}},
        "health_check");
  };
  EXPECT_TRUE(health("", "NOT_SERVING"));
  EXPECT_TRUE(health("grpc.testing.TestService", "NOT_SERVING"));
  EXPECT_FALSE(health("", "SERVING"));
  EXPECT_TRUE(health("unknown.Service", "NOT_FOUND"));

  ASSERT_TRUE(server.setServing(true));
  EXPECT_TRUE(health("", "SERVING"));
  EXPECT_TRUE(health("grpc.testing.TestService", "SERVING"));

  ASSERT_TRUE(server.setServing(false));
  EXPECT_TRUE(health("grpc.testing.TestService", "NOT_SERVING"));
}

TEST(GrpcInteropDirect, ServerExitsZeroOnSigterm) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace meshproxy::testing
