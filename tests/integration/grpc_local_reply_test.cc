// gRPC outcomes meshproxy decides itself, seen by a real grpc++ client (mesh-grpc-interop-client)
// over h2c: no route is a trailers-only UNIMPLEMENTED (12), a cluster without a reachable host
// a trailers-only UNAVAILABLE (14), as Envoy maps them; and %GRPC_STATUS% logs each outcome,
// the upstream's own status included.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/http_test_util.h"
#include "tests/support/grpc_interop_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kExplicitH2[] =
    "    typed_extension_protocol_options:\n"
    "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
    "        \"@type\": "
    "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
    "        explicit_http_config: { http2_protocol_options: {} }\n";

class GrpcLocalReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ready());
    HttpBootstrap b;
    // TestService goes to the server; Health to a cluster whose only host refuses
    // connections; anything else (UnimplementedService) has no route.
    b.route_config = R"(            virtual_hosts:
            - name: grpc
              domains: ["*"]
              routes:
              - match: { prefix: /grpc.testing.TestService/ }
                route: { cluster: grpc }
              - match: { prefix: /grpc.health.v1.Health/ }
                route: { cluster: dead }
)";
    b.clusters = {{.name = "grpc", .ports = {server_.port()}, .extra = kExplicitH2},
                  {.name = "dead", .ports = {pickFreePort()}, .extra = kExplicitH2}};
    b.hcm_extra =
        "          access_log:\n"
        "          - name: envoy.access_loggers.file\n"
        "            typed_config:\n"
        "              \"@type\": type.googleapis.com/"
        "envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
        "              path: " +
        log_ +
        "\n"
        "              log_format:\n"
        "                text_format_source:\n"
        "                  inline_string: \"%REQ(:PATH)% %RESPONSE_CODE% "
        "%GRPC_STATUS% %GRPC_STATUS(NUMBER)% %GRPC_STATUS(SNAKE_STRING)%\\n\"\n";
    proxy_ = std::make_unique<HttpProxy>(b);
    ASSERT_TRUE(proxy_->ready());
  }

  // Waits for the access log line of `path` and returns it.
  std::string logLine(const std::string& path) {
    std::string line;
    waitUntil(
        [&] {
          std::string text = readFileText(log_);
          size_t p = text.find(path + " ");
          if (p == std::string::npos) return false;
          line = text.substr(p, text.find('\n', p) - p);
          return true;
        },
        absl::Seconds(5));
    return line;
  }

  GrpcInteropServerProcess server_;
  TempDir dir_;
  std::string log_ = dir_.filePath("grpc.log");
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(GrpcLocalReplyTest, NoRouteIsUnimplemented) {
  // The client's unimplemented_service case passes only on status UNIMPLEMENTED.
  EXPECT_TRUE(grpcInteropCasePasses({.port = proxy_->port}, "unimplemented_service"));
  EXPECT_EQ(logLine("/grpc.testing.UnimplementedService/UnimplementedCall"),
            "/grpc.testing.UnimplementedService/UnimplementedCall 200 Unimplemented 12 "
            "UNIMPLEMENTED");
  EXPECT_TRUE((*proxy_)->waitForCounterAtLeast("http.ingress_http.no_route", 1));
}

TEST_F(GrpcLocalReplyTest, NoHealthyUpstreamIsUnavailable) {
  EXPECT_TRUE(grpcInteropCasePasses(
      {.port = proxy_->port, .extra_args = {"--health_service=x", "--expect_health=UNAVAILABLE"}},
      "health_check"));
  EXPECT_EQ(logLine("/grpc.health.v1.Health/Check"),
            "/grpc.health.v1.Health/Check 200 Unavailable 14 UNAVAILABLE");
}

TEST_F(GrpcLocalReplyTest, UpstreamStatusesAreLogged) {
  EXPECT_TRUE(grpcInteropCasePasses({.port = proxy_->port}, "empty_unary"));
  EXPECT_EQ(logLine("/grpc.testing.TestService/EmptyCall"),
            "/grpc.testing.TestService/EmptyCall 200 OK 0 OK");
  // The server answers UNIMPLEMENTED itself for a method it lacks: from its trailers.
  EXPECT_TRUE(grpcInteropCasePasses({.port = proxy_->port}, "unimplemented_method"));
  EXPECT_EQ(logLine("/grpc.testing.TestService/UnimplementedCall"),
            "/grpc.testing.TestService/UnimplementedCall 200 Unimplemented 12 UNIMPLEMENTED");
}

}  // namespace
}  // namespace meshproxy::testing
