// envoy.filters.http.cache (SimpleHttpCache) in the real meshproxy: a fresh stored response is
// served without touching the origin (the cluster's request counter does not move), a stale one
// is revalidated and the origin's 304 serves the stored body, and what may not be stored
// (no-store) always goes to the origin.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

// `status` is left out of the key, so that a test can make the origin answer the validation
// of a stored response with 304 (mesh-test-server answers ?status=304 with a 304).
constexpr char kFilters[] = R"(          - name: envoy.filters.http.cache
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig
              key_creator_params:
                query_parameters_excluded: [ { name: status } ]
)";

class HttpCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(origin_.ready());
    proxy_ = std::make_unique<HttpProxy>(HttpBootstrap{
        .clusters = {{.name = "app", .ports = {origin_.port()}}}, .http_filters = kFilters});
    ASSERT_TRUE(proxy_->ready());
  }
  int64_t originRequests() {
    return (*proxy_)->counterValue("cluster.app.upstream_rq_total").value_or(-1);
  }
  int64_t cacheCounter(const std::string& name) {
    return (*proxy_)->counterValue("http.ingress_http.cache." + name).value_or(-1);
  }

  TestServerProcess origin_{{.mode = "http", .name = "origin"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpCacheTest, FreshResponseIsServedWithoutTheOrigin) {
  const std::string path = "/doc?header=cache-control:max-age%3D60";
  auto first = proxy_->get(path);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(originRequests(), 1);
  EXPECT_EQ(cacheCounter("insert"), 1);
  for (int i = 0; i < 3; ++i) {
    auto again = proxy_->get(path);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, first.body);  // the stored one: the origin's JSON names its request
    EXPECT_TRUE(again.header("age").has_value());
  }
  EXPECT_EQ(originRequests(), 1);
  EXPECT_EQ(cacheCounter("hit"), 3);
  // Another path is another key.
  EXPECT_EQ(proxy_->get("/other?header=cache-control:max-age%3D60").status, 200);
  EXPECT_EQ(originRequests(), 2);
}

TEST_F(HttpCacheTest, StaleResponseIsRevalidatedAndA304ServesTheStoredBody) {
  // no-cache: stored, but every use is validated first (its ETag makes that possible).
  const std::string path = "/v?header=cache-control:no-cache&header=etag:%22v1%22";
  auto first = proxy_->get(path);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(cacheCounter("insert"), 1);
  // The same key (status is not part of it); the origin answers the conditional request 304.
  auto second = proxy_->get(path + "&status=304");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(originRequests(), 2);
  EXPECT_EQ(cacheCounter("validate"), 1);
}

TEST_F(HttpCacheTest, NoStoreAlwaysReachesTheOrigin) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(proxy_->get("/n?header=cache-control:no-store").status, 200);
  EXPECT_EQ(originRequests(), 3);
  EXPECT_EQ(cacheCounter("insert"), 0);
  // A request that asks for no stored answer is passed on too.
  EXPECT_EQ(proxy_->get("/doc2?header=cache-control:max-age%3D60").status, 200);
  EXPECT_EQ(proxy_->get("/doc2?header=cache-control:max-age%3D60", {{"cache-control", "no-cache"}})
                .status,
            200);
  EXPECT_EQ(originRequests(), 5);
}

}  // namespace
}  // namespace meshproxy::testing
