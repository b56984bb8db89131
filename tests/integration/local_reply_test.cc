// Responses meshproxy makes up itself, end to end: gRPC clients get a gRPC status (HTTP 200,
// trailers-only) mapped from the HTTP status as Envoy maps it; other clients get plain text.
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

class LocalReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(upstream_.ready());
    proxy_ = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = R"(            virtual_hosts:
            - name: grpc
              domains: ["*"]
              routes:
              - match: { prefix: /svc.Known/ }
                route: { cluster_header: x-target-cluster }
)",
                      .clusters = {{.name = "v1", .ports = {upstream_.port()}}}});
    ASSERT_TRUE(proxy_->ready());
  }
  HttpResponse post(std::string_view path, HeaderList headers) {
    // An empty gRPC message: flag byte and a zero length.
    return httpRequest("127.0.0.1", proxy_->port, "POST", path, headers,
                       std::string_view("\0\0\0\0\0", 5));
  }

  TestServerProcess upstream_{{.mode = "http", .name = "v1"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(LocalReplyTest, GrpcRequestWithNoRouteGetsUnimplemented) {
  HttpResponse r = post("/svc.Unknown/Call", {{"content-type", "application/grpc"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("grpc-status"), "12");
  EXPECT_EQ(r.header("content-type"), "application/grpc");
  EXPECT_EQ(r.header("x-meshproxy-reason"), "route_not_found");
  EXPECT_EQ(r.body, "");
}

TEST_F(LocalReplyTest, GrpcRequestToAMissingClusterGetsUnavailable) {
  HttpResponse r = post("/svc.Known/Call", {{"content-type", "application/grpc+proto"},
                                            {"x-target-cluster", "no-such-cluster"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("grpc-status"), "14");
  EXPECT_EQ(r.header("x-meshproxy-reason"), "cluster_not_found");
}

TEST_F(LocalReplyTest, OtherClientsStillGetTheHttpStatus) {
  HttpResponse not_found = post("/svc.Unknown/Call", {{"content-type", "application/grpc-web"}});
  EXPECT_EQ(not_found.status, 404);
  EXPECT_FALSE(not_found.hasHeader("grpc-status"));
  HttpResponse no_cluster = post("/svc.Known/Call", {{"content-type", "application/json"},
                                                     {"x-target-cluster", "no-such-cluster"}});
  EXPECT_EQ(no_cluster.status, 503);
  EXPECT_FALSE(no_cluster.hasHeader("grpc-status"));
}

}  // namespace
}  // namespace meshproxy::testing
