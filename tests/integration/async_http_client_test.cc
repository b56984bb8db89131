// The worker's async HTTP client (proxy/upstream/async_http_client.h) against a real HTTP
// server in its own process (mesh-test-server --mode http): what a filter calling a remote
// JWKS, ext_authz or a rate limit service goes through. The client runs on an event loop of
// this test, with the same cluster front end and pools a worker uses.
#include "proxy/upstream/async_http_client.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <random>
#include <string>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/stats/store.h"
#include "proxy/upstream/cluster_manager.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/test_server_process.h"
#include "tests/unit/upstream/test_cluster.h"

namespace meshproxy::testing {
namespace {

using upstream::AsyncHttpFailure;
using upstream::AsyncHttpOptions;
using upstream::AsyncHttpResponse;

struct Result : upstream::AsyncHttpCallbacks {
  std::optional<AsyncHttpResponse> response;
  std::optional<AsyncHttpFailure> failure;
  int calls = 0;
  void onSuccess(AsyncHttpResponse&& r) override {
    ++calls;
    response = std::move(r);
  }
  void onFailure(AsyncHttpFailure f, std::string_view) override {
    ++calls;
    failure = f;
  }
  std::string body() const { return response.has_value() ? response->body.toString() : ""; }
};

class AsyncHttpClientIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ready());
    // A cluster as the proxy translates it (stats, resources), with the server as its host.
    auto config = upstream::makeTestCluster(store_, "ext_authz");
    ASSERT_NE(config, nullptr);
    config->connect_timeout = std::chrono::seconds(2);
    stats_ = config->stats;
    auto address = *network::Address::parse(server_.address());
    config->hosts.push_back(std::make_shared<upstream::Host>(address, address.str()));
    clusters_.update({{"ext_authz", config}});
  }
  void TearDown() override {
    client_.cancelAll();
    clusters_.update({});
    runFor(std::chrono::milliseconds(10));
    Timer::releasePool(loop_.uv());
  }

  // Sends and runs the loop until the callback (bounded).
  void call(const std::string& method, const std::string& path, std::string body, Result& result,
            AsyncHttpOptions options = {}) {
    auto headers = std::make_unique<http::HeaderMap>();
    headers->add(":method", method);
    headers->add(":path", path);
    headers->add(":authority", "ext-authz.local");
    Buffer buffer;
    buffer.add(body);
    upstream::AsyncHttpHandle handle;
    client_.send("ext_authz", std::move(headers), std::move(buffer), result, options, handle);
    ASSERT_TRUE(runUntil([&] { return result.calls > 0; })) << method << " " << path;
    EXPECT_EQ(result.calls, 1);
  }

  bool runUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    uv_timer_t tick;
    uv_timer_init(loop_.uv(), &tick);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 5, 5);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool ok = done();
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      uv_run(loop_.uv(), UV_RUN_ONCE);
      ok = done();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(loop_.uv(), UV_RUN_NOWAIT);
    return ok;
  }
  void runFor(std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    runUntil([&] { return std::chrono::steady_clock::now() >= end; },
             d + std::chrono::milliseconds(50));
  }

  TestServerProcess server_{TestServerOptions{.mode = "http", .name = "authz"}};
  stats::Store store_;
  std::shared_ptr<const upstream::ClusterStats> stats_;
  EventLoop loop_;
  std::mt19937_64 random_{7};
  upstream::WorkerClusterManager clusters_{loop_, 0, 1, random_};
  upstream::AsyncHttpClient client_{clusters_};
};

TEST_F(AsyncHttpClientIntegrationTest, RequestsReachTheServerAndReuseTheConnection) {
  Result first;
  call("GET", "/jwks.json", "", first);
  ASSERT_TRUE(first.response.has_value()) << upstream::toString(*first.failure);
  EXPECT_EQ(first.response->status(), 200u);
  EXPECT_EQ(jsonField(first.body(), "server"), "authz");
  EXPECT_EQ(jsonField(first.body(), "method"), "GET");
  EXPECT_EQ(jsonField(first.body(), "path"), "/jwks.json");
  EXPECT_EQ(jsonField(first.body(), "host"), "ext-authz.local");

  Result second;
  call("POST", "/check", std::string(10000, 'b'), second);
  ASSERT_TRUE(second.response.has_value());
  EXPECT_EQ(jsonNumber(second.body(), "body_bytes"), 10000);
  // One keep-alive connection carried both.
  EXPECT_EQ(jsonNumber(second.body(), "connection_id"), jsonNumber(first.body(), "connection_id"));
  EXPECT_EQ(jsonNumber(second.body(), "request_index"), 1);
  EXPECT_EQ(stats_->upstream_cx_total.value(), 1u);
  EXPECT_EQ(stats_->upstream_rq_2xx.value(), 2u);
}

TEST_F(AsyncHttpClientIntegrationTest, ChunkedLargeAndErrorResponses) {
  Result chunked;
  call("GET", "/?chunked=1&body_bytes=300000", "", chunked);
  ASSERT_TRUE(chunked.response.has_value());
  EXPECT_EQ(chunked.response->body.length(), 300000u);

  Result unavailable;
  call("GET", "/?status=503", "", unavailable);
  ASSERT_TRUE(unavailable.response.has_value());
  EXPECT_EQ(unavailable.response->status(), 503u);

  Result too_large;
  AsyncHttpOptions small;
  small.max_response_bytes = 1000;
  call("GET", "/?body_bytes=5000", "", too_large, small);
  EXPECT_EQ(too_large.failure, AsyncHttpFailure::kResponseTooLarge);

  // Whatever became of that connection, the next request gets an answer.
  Result after;
  call("GET", "/", "", after);
  ASSERT_TRUE(after.response.has_value());
  EXPECT_EQ(jsonField(after.body(), "path"), "/");
}

TEST_F(AsyncHttpClientIntegrationTest, ASlowServerTimesOutAndTheNextRequestStillWorks) {
  Result slow;
  AsyncHttpOptions options;
  options.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  call("GET", "/?delay_ms=3000", "", slow, options);
  EXPECT_EQ(slow.failure, AsyncHttpFailure::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));

  Result next;
  call("GET", "/?close=1", "", next, options);
  ASSERT_TRUE(next.response.has_value());
  EXPECT_EQ(next.response->status(), 200u);
  EXPECT_EQ(stats_->upstream_rq_timeout.value(), 1u);
}

}  // namespace
}  // namespace meshproxy::testing
