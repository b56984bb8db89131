// envoy.filters.http.local_ratelimit as an HTTP filter in a FilterManager: 429 with
// response_headers_to_add and x-ratelimit-*, gRPC RESOURCE_EXHAUSTED, filter_enforced,
// and a route's typed_per_filter_config replacing the filter's bucket.

#include "proxy/filters/http/local_ratelimit/local_ratelimit_filter.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/worker_context.h"
#include "proxy/stats/store.h"
#include "proxy/upstream/cluster_manager.h"
#include "tests/unit/filters/proto_yaml.h"
#include "tests/unit/http/filter_manager_test_support.h"

namespace meshproxy::filters::local_ratelimit {
namespace {

using Proto = envoy::extensions::filters::http::local_ratelimit::v3::LocalRateLimit;
using http::testing::CallLog;
using http::testing::FakeStream;

// FakeStream with a worker (the filter draws filter_enabled/enforced from its generator).
class WorkerStream : public FakeStream {
 public:
  explicit WorkerStream(CallLog& log) : FakeStream(log) {}
  WorkerContext& worker() override { return worker_; }

 private:
  EventLoop loop_;
  std::mt19937_64 random_{1};
  upstream::WorkerClusterManager clusters_{loop_, 0, 1, random_};
  WorkerContext worker_{loop_, 0, clusters_, random_};
};

class PerRouteRoute : public http::Route {
 public:
  explicit PerRouteRoute(http::RouteSpecificFilterConfigSharedPtr config)
      : config_(std::move(config)) {}
  const std::string& name() const override { return name_; }
  std::optional<std::chrono::milliseconds> idleTimeout() const override { return std::nullopt; }
  const http::RouteSpecificFilterConfig* mostSpecificPerFilterConfig(std::string_view,
                                                                     uint64_t) const override {
    return config_.get();
  }

 private:
  std::string name_ = "r";
  http::RouteSpecificFilterConfigSharedPtr config_;
};

constexpr char kTwoPerHour[] = R"(
stat_prefix: rl
token_bucket: {max_tokens: 2, tokens_per_fill: 2, fill_interval: 3600s}
filter_enabled: {default_value: {numerator: 100}}
filter_enforced: {default_value: {numerator: 100}}
enable_x_ratelimit_headers: DRAFT_VERSION_03
response_headers_to_add: [{header: {key: x-limited-by, value: sidecar}}]
)";

class LocalRateLimitFilterTest : public ::testing::Test {
 protected:
  void configure(std::string_view yaml) {
    google::protobuf::Any any;
    any.PackFrom(test::protoFromYaml<Proto>(yaml));
    config::TranslationContext context{.stats = store_};
    auto factory = createLocalRateLimitFactory(any, context);
    ASSERT_TRUE(factory.ok()) << factory.status();
    factory_ = *factory;
  }

  struct Result {
    uint32_t status = 0;
    http::HeaderMap headers;
    std::string body;
    bool reached_router = false;
    http::HeaderMap request;
  };

  Result request(bool grpc = false, const http::Route* route = nullptr) {
    CallLog log;
    WorkerStream stream(log);
    stream.route_ = route;
    accesslog::StreamInfo info;
    http::FilterManager manager(stream, info, 1, 65536);
    manager.setFilterConfigName("envoy.filters.http.local_ratelimit");
    factory_(manager);
    auto router = std::make_shared<http::testing::ScriptedFilter>("router", log);
    Result result;
    router->on_decode_headers = [&](http::HeaderMap& h, bool) {
      result.reached_router = true;
      result.request = h;
      router->decoder->encodeHeaders(http::testing::responseHeaders(200), true);
      return http::FilterHeadersStatus::kStopIteration;
    };
    manager.setFilterConfigName("router");
    manager.addDecoderFilter(router);
    auto headers = http::testing::requestHeaders("POST");
    if (grpc) headers->add("content-type", "application/grpc");
    manager.setRequestHeaders(std::move(headers), true);
    manager.decodeHeaders();
    EXPECT_TRUE(stream.complete);
    result.status = stream.response_headers.status();
    result.headers = stream.response_headers;
    result.body = stream.body;
    manager.onStreamFinished();
    return result;
  }
  uint64_t stat(std::string_view name) {
    return store_.rootScope().counter("rl.http_local_rate_limit." + std::string(name)).value();
  }

  stats::Store store_;
  http::HttpFilterFactory factory_;
};

TEST_F(LocalRateLimitFilterTest, BurstBeyondTheBucketGets429WithHeaders) {
  configure(kTwoPerHour);
  auto first = request();
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(first.headers.get("x-ratelimit-limit"), "2");
  EXPECT_EQ(first.headers.get("x-ratelimit-remaining"), "1");
  EXPECT_EQ(request().status, 200u);
  auto limited = request();
  EXPECT_FALSE(limited.reached_router);
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.body, "local_rate_limited");
  EXPECT_EQ(limited.headers.get("x-limited-by"), "sidecar");
  EXPECT_EQ(limited.headers.get("x-ratelimit-limit"), "2");
  EXPECT_EQ(limited.headers.get("x-ratelimit-remaining"), "0");
  EXPECT_TRUE(limited.headers.has("x-ratelimit-reset"));
  EXPECT_EQ(stat("enabled"), 3u);
  EXPECT_EQ(stat("ok"), 2u);
  EXPECT_EQ(stat("rate_limited"), 1u);
  EXPECT_EQ(stat("enforced"), 1u);
}

TEST_F(LocalRateLimitFilterTest, GrpcGetsUnavailableOrResourceExhausted) {
  configure(R"(
stat_prefix: rl
token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 3600s}
filter_enabled: {default_value: {numerator: 100}}
filter_enforced: {default_value: {numerator: 100}}
)");
  request();
  auto limited = request(/*grpc=*/true);
  EXPECT_EQ(limited.status, 200u);
  EXPECT_EQ(limited.headers.get("grpc-status"), "14");  // 429 -> UNAVAILABLE

  configure(R"(
stat_prefix: rl
token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 3600s}
filter_enabled: {default_value: {numerator: 100}}
filter_enforced: {default_value: {numerator: 100}}
rate_limited_as_resource_exhausted: true
)");
  request();
  EXPECT_EQ(request(/*grpc=*/true).headers.get("grpc-status"), "8");
}

TEST_F(LocalRateLimitFilterTest, NotEnforcedPassesWithTheRequestHeaders) {
  configure(R"(
stat_prefix: rl
token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 3600s}
filter_enabled: {default_value: {numerator: 100}}
filter_enforced: {default_value: {numerator: 0}}
request_headers_to_add_when_not_enforced: [{header: {key: x-would-limit, value: "yes"}}]
)");
  EXPECT_FALSE(request().request.has("x-would-limit"));
  auto shadow = request();
  EXPECT_TRUE(shadow.reached_router);
  EXPECT_EQ(shadow.status, 200u);
  EXPECT_EQ(shadow.request.get("x-would-limit"), "yes");
  EXPECT_EQ(stat("rate_limited"), 1u);
  EXPECT_EQ(stat("enforced"), 0u);
}

TEST_F(LocalRateLimitFilterTest, RouteConfigReplacesTheFiltersBucket) {
  configure(kTwoPerHour);
  google::protobuf::Any any;
  any.PackFrom(test::protoFromYaml<Proto>(R"(
stat_prefix: route_rl
token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 3600s}
filter_enabled: {default_value: {numerator: 100}}
filter_enforced: {default_value: {numerator: 100}}
)"));
  auto per_route = createLocalRateLimitPerRoute(any);
  ASSERT_TRUE(per_route.ok()) << per_route.status();
  PerRouteRoute route(*per_route);
  EXPECT_EQ(request(false, &route).status, 200u);
  EXPECT_EQ(request(false, &route).status, 429u);
  // The filter's own bucket is untouched.
  EXPECT_EQ(request().status, 200u);
}

TEST_F(LocalRateLimitFilterTest, PerRouteWithoutBucketAndPerConnectionAreRefused) {
  google::protobuf::Any any;
  any.PackFrom(test::protoFromYaml<Proto>("stat_prefix: x"));
  auto per_route = createLocalRateLimitPerRoute(any);
  ASSERT_FALSE(per_route.ok());
  EXPECT_NE(per_route.status().message().find("token_bucket"), std::string::npos);

  any.PackFrom(test::protoFromYaml<Proto>(R"(
stat_prefix: x
token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 1s}
local_rate_limit_per_downstream_connection: true
)"));
  config::TranslationContext context{.stats = store_};
  auto factory = createLocalRateLimitFactory(any, context);
  ASSERT_FALSE(factory.ok());
  EXPECT_NE(factory.status().message().find("local_rate_limit_per_downstream_connection"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::filters::local_ratelimit
