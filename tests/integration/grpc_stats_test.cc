// envoy.filters.http.grpc_stats with a real grpc++ client and server (the interop binaries)
// over h2c through meshproxy: per-method success/failure/total and per-status counters, request
// and response message counts (client and server streaming), and the three naming modes
// (stats_for_all_methods, individual_method_stats_allowlist, neither).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/http_test_util.h"
#include "tests/support/grpc_interop_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kExplicitH2[] =
    "    typed_extension_protocol_options:\n"
    "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
    "        \"@type\": "
    "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
    "        explicit_http_config: { http2_protocol_options: {} }\n";

constexpr char kMethod[] = "cluster.backend.grpc.grpc.testing.TestService.";

class GrpcStatsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ready()); }

  // Starts meshproxy with grpc_stats configured by `filter_config` (FilterConfig fields in
  // flow style, e.g. "{stats_for_all_methods: true}").
  void start(const std::string& filter_config) {
    HttpBootstrap b;
    b.clusters = {{.name = "backend", .ports = {server_.port()}, .extra = kExplicitH2}};
    std::string fields = filter_config.substr(1, filter_config.size() - 2);
    const std::string filter =
        "          - name: envoy.filters.http.grpc_stats\n"
        "            typed_config: {\"@type\": \"type.googleapis.com/"
        "envoy.extensions.filters.http.grpc_stats.v3.FilterConfig\"" +
        (fields.empty() ? "" : ", " + fields) + "}\n";
    b.listener_port = port_;
    std::string yaml = httpBootstrapYaml(b);
    // grpc_stats goes before the router, the only filter httpBootstrapYaml writes.
    const std::string router = "          - name: envoy.filters.http.router\n";
    size_t at = yaml.find(router);
    ASSERT_NE(at, std::string::npos);
    yaml.insert(at, filter);
    proxy_ = std::make_unique<MeshproxyProcess>(yaml, MeshproxyOptions{.concurrency = 1});
    ASSERT_TRUE(proxy_->ready());
  }

  void run(const std::string& test_case) {
    EXPECT_TRUE(grpcInteropCasePasses({.port = port_}, test_case));
  }

  int64_t stat(const std::string& name) { return proxy_->counterValue(name).value_or(-1); }
  // Waits for `name` to reach `value` (stats are charged as the stream ends).
  bool statIs(const std::string& name, int64_t value) {
    return proxy_->waitForCounter(name, [value](int64_t v) { return v == value; });
  }

  GrpcInteropServerProcess server_;
  int port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(GrpcStatsTest, AllMethodsCountsCallsStatusesAndMessages) {
  start("{stats_for_all_methods: true, enable_upstream_stats: true}");
  run("empty_unary");
  run("client_streaming");
  run("server_streaming");
  run("unimplemented_method");
  const std::string m = kMethod;
  EXPECT_TRUE(statIs(m + "EmptyCall.success", 1));
  EXPECT_EQ(stat(m + "EmptyCall.total"), 1);
  EXPECT_EQ(stat(m + "EmptyCall.0"), 1);
  EXPECT_EQ(stat(m + "EmptyCall.request_message_count"), 1);
  EXPECT_EQ(stat(m + "EmptyCall.response_message_count"), 1);
  // Four request messages in, one out; then one in, four out.
  EXPECT_TRUE(statIs(m + "StreamingInputCall.request_message_count", 4));
  EXPECT_EQ(stat(m + "StreamingInputCall.response_message_count"), 1);
  EXPECT_TRUE(statIs(m + "StreamingOutputCall.response_message_count", 4));
  EXPECT_EQ(stat(m + "StreamingOutputCall.request_message_count"), 1);
  EXPECT_EQ(stat(m + "StreamingOutputCall.success"), 1);
  // The server's UNIMPLEMENTED (12), from its trailers-only response.
  EXPECT_TRUE(statIs(m + "UnimplementedCall.failure", 1));
  EXPECT_EQ(stat(m + "UnimplementedCall.12"), 1);
  EXPECT_EQ(stat(m + "UnimplementedCall.success"), 0);
  auto text = proxy_->adminGet("/stats?filter=EmptyCall.upstream_rq_time");
  EXPECT_THAT(text.body, HasSubstr("EmptyCall.upstream_rq_time"));
}

// Neither option: every call of the cluster in cluster.<c>.grpc.*, no method names.
TEST_F(GrpcStatsTest, DefaultCountsWithoutMethodNames) {
  start("{}");
  run("empty_unary");
  run("large_unary");
  EXPECT_TRUE(statIs("cluster.backend.grpc.success", 2));
  EXPECT_EQ(stat("cluster.backend.grpc.total"), 2);
  EXPECT_EQ(stat("cluster.backend.grpc.request_message_count"), 2);
  EXPECT_EQ(stat(std::string(kMethod) + "EmptyCall.success"), -1);  // not created
}

// Only allowlisted methods get their own stats; the rest count without a method.
TEST_F(GrpcStatsTest, AllowlistNamesOnlyListedMethods) {
  start(
      "{individual_method_stats_allowlist: {services: [{name: grpc.testing.TestService, "
      "method_names: [EmptyCall]}]}}");
  run("empty_unary");
  run("large_unary");
  EXPECT_TRUE(statIs(std::string(kMethod) + "EmptyCall.success", 1));
  EXPECT_TRUE(statIs("cluster.backend.grpc.success", 1));  // UnaryCall
  EXPECT_EQ(stat(std::string(kMethod) + "UnaryCall.success"), -1);
}

}  // namespace
}  // namespace meshproxy::testing
