// The router's attempts: an UpstreamRequest sends one request to one host through a pool, and
// RetainedRequest lets a second attempt send the same request again. A fake pool stands in
// for the connections.
#include "proxy/upstream/upstream_request.h"

#include <gtest/gtest.h>

#include <string>

#include "proxy/core/timer.h"
#include "proxy/filters/http/router/retained_request.h"
#include "tests/unit/upstream/test_cluster.h"

namespace meshproxy::filters::router {
namespace {

using upstream::PoolHandle;
using upstream::UpstreamRequest;
using upstream::UpstreamRequestCallbacks;

// One upstream stream: records what the attempt sends.
class FakeStream : public upstream::PoolStream,
                   public upstream::PoolHandleTarget,
                   public http::StreamEncoder,
                   public http::Stream {
 public:
  // PoolStream
  http::RequestEncoder& encoder() override { return *this; }
  const network::Connection& connection() const override { std::abort(); }
  // StreamEncoder
  void encodeHeaders(const http::HeaderMap& headers, bool end_stream) override {
    sent += std::string(headers.get(":path").value_or("?")) + (end_stream ? "|end" : "|");
  }
  void encodeData(Buffer& data, bool end_stream) override {
    sent += data.toString() + (end_stream ? "|end" : "|");
    data.clear();
  }
  void encodeTrailers(const http::HeaderMap& trailers) override {
    sent += "trailers:" + std::string(trailers.get("x-t").value_or("?"));
  }
  http::Stream& stream() override { return *this; }
  // Stream
  void addCallbacks(http::StreamCallbacks& callbacks) override { this->callbacks = &callbacks; }
  void removeCallbacks(http::StreamCallbacks& callbacks) override {
    if (this->callbacks == &callbacks) this->callbacks = nullptr;
  }
  uint32_t bufferLimit() const override { return 1024 * 1024; }
  void resetStream(http::StreamResetReason) override {}
  void readDisable(bool disable) override { read_disabled += disable ? 1 : -1; }
  // PoolHandleTarget
  void onHandleCancelled() override { cancelled = true; }

  void bindTo(PoolHandle& handle) { bind(handle, this); }
  // The pool side ends the stream the way Http1ConnPool does on a close.
  void closeUnderneath(http::StreamResetReason reason) {
    unbind();
    if (callbacks != nullptr) callbacks->onResetStream(reason);
  }
  using upstream::PoolHandleTarget::bound;

  std::string sent;
  http::StreamCallbacks* callbacks = nullptr;
  int read_disabled = 0;
  bool cancelled = false;
};

// Hands out streams at once, or when ready() is called.
class FakePool : public upstream::ConnPool {
 public:
  void newStream(http::ResponseDecoder& decoder, upstream::PoolCallbacks& callbacks,
                 PoolHandle& handle) override {
    this->decoder = &decoder;
    this->callbacks = &callbacks;
    this->handle = &handle;
    if (immediate) {
      ready();
    } else {
      pending.bind(handle, nullptr);
    }
  }
  void ready() {
    pending.unbind();
    stream.bindTo(*handle);
    callbacks->onPoolReady(stream);
  }
  const upstream::PoolKey& key() const override { return key_; }
  const upstream::Host& host() const override { std::abort(); }
  void updateCluster(upstream::ClusterConfigSharedPtr) override {}
  void drainConnections() override {}
  void closeIdleConnections() override {}
  size_t connectionCount() const override { return 0; }
  size_t pendingCount() const override { return 0; }

  // A request waiting for a connection.
  struct Pending : upstream::PoolHandleTarget {
    void onHandleCancelled() override { cancelled = true; }
    using upstream::PoolHandleTarget::bind;
    using upstream::PoolHandleTarget::unbind;
    bool cancelled = false;
  };

  bool immediate = true;
  Pending pending;
  FakeStream stream;
  http::ResponseDecoder* decoder = nullptr;
  upstream::PoolCallbacks* callbacks = nullptr;
  PoolHandle* handle = nullptr;

 private:
  upstream::PoolKey key_;
};

// Records what attempts report.
struct Router : UpstreamRequestCallbacks {
  void onUpstreamStream(UpstreamRequest&, upstream::PoolStream&) override { ++streams; }
  void onUpstreamPoolFailure(UpstreamRequest&, upstream::PoolFailureReason reason,
                             std::string_view) override {
    ++failures;
    last_failure = reason;
  }
  void onUpstreamHeaders(UpstreamRequest&, std::unique_ptr<http::HeaderMap> headers,
                         bool) override {
    status = headers->status();
  }
  void onUpstreamData(UpstreamRequest&, Buffer& data, bool) override { data.clear(); }
  void onUpstreamTrailers(UpstreamRequest&, std::unique_ptr<http::HeaderMap>) override {}
  void onUpstreamReset(UpstreamRequest& attempt, http::StreamResetReason) override {
    reset_attempt = &attempt;
  }
  void onPerTryTimeout(UpstreamRequest& attempt) override { timed_out = &attempt; }
  void onUpstreamAboveWriteBufferHighWatermark() override { ++paused; }
  void onUpstreamBelowWriteBufferLowWatermark() override { --paused; }

  int streams = 0;
  int failures = 0;
  upstream::PoolFailureReason last_failure = upstream::PoolFailureReason::kConnectionFailure;
  uint32_t status = 0;
  int paused = 0;
  UpstreamRequest* reset_attempt = nullptr;
  UpstreamRequest* timed_out = nullptr;
};

struct Fixture {
  EventLoop loop;
  stats::Store store;
  std::shared_ptr<upstream::ClusterConfig> cluster = upstream::makeTestCluster(store, "attempts");
  upstream::WorkerHost host_a{
      std::make_shared<upstream::Host>(*network::Address::parse("10.0.0.1:80"), "a")};
  upstream::WorkerHost host_b{
      std::make_shared<upstream::Host>(*network::Address::parse("10.0.0.2:80"), "b")};
  http::HeaderMap headers;
  http::HeaderMap trailers;
  Router router;
  Fixture() {
    headers.addLowercase(":path", "/upload");
    trailers.addLowercase("x-t", "done");
  }
  ~Fixture() { Timer::releasePool(loop.uv()); }
  std::unique_ptr<UpstreamRequest> attempt(upstream::WorkerHost& host, uint32_t limit = 1024) {
    return std::make_unique<UpstreamRequest>(router, loop, 0, host, *cluster, limit);
  }
};

Buffer bytes(std::string_view s) {
  Buffer b;
  b.add(s);
  return b;
}

TEST(UpstreamRequestTest, HoldsTheBodyUntilItHasAStreamAndCountsItselfInFlight) {
  Fixture f;
  FakePool pool;
  pool.immediate = false;
  auto attempt = f.attempt(f.host_a, /*limit=*/4);
  attempt->start(pool, f.headers, false);
  EXPECT_TRUE(attempt->awaitingStream());
  EXPECT_EQ(f.host_a.active_requests, 1u);
  EXPECT_EQ(f.cluster->resources->at(upstream::ResourcePriority::kDefault).requests.value(), 1);
  Buffer body = bytes("hello");
  attempt->encodeData(body, true);
  EXPECT_TRUE(body.empty());
  EXPECT_EQ(attempt->heldBodyBytes(), 5u);
  EXPECT_EQ(f.router.paused, 1);  // over the limit: the downstream waits

  pool.ready();
  EXPECT_EQ(pool.stream.sent, "/upload|hello|end");
  EXPECT_EQ(f.router.paused, 0);
  EXPECT_TRUE(attempt->requestSent());

  // The response completes: the stream goes back to the pool, the attempt stops counting.
  auto response = std::make_unique<http::HeaderMap>();
  response->addLowercase(":status", "503");
  attempt->decodeHeaders(std::move(response), true);
  EXPECT_EQ(f.router.status, 503u);
  EXPECT_FALSE(pool.stream.bound());
  EXPECT_FALSE(pool.stream.cancelled);
  EXPECT_EQ(f.host_a.active_requests, 0u);
  EXPECT_EQ(f.cluster->resources->at(upstream::ResourcePriority::kDefault).requests.value(), 0);
  EXPECT_EQ(f.host_a.host().outcomeTotals().error, 1u);  // outlier detection's input
}

TEST(UpstreamRequestTest, DroppingAnUnfinishedAttemptResetsItsStream) {
  Fixture f;
  FakePool pool;
  auto attempt = f.attempt(f.host_a);
  attempt->start(pool, f.headers, true);
  EXPECT_TRUE(attempt->hasStream());
  attempt.reset();
  EXPECT_TRUE(pool.stream.cancelled);
  EXPECT_EQ(pool.stream.callbacks, nullptr);
  EXPECT_EQ(f.host_a.active_requests, 0u);
}

TEST(UpstreamRequestTest, ASecondAttemptSendsTheRetainedRequestToAnotherHost) {
  Fixture f;
  RetainedRequest retained;
  retained.enable(1024);
  FakePool first_pool;
  auto first = f.attempt(f.host_a);
  first->start(first_pool, f.headers, false);
  // The router sends the body in pieces, keeping a copy of each.
  for (std::string_view piece : {"hello ", "world"}) {
    Buffer data = bytes(piece);
    retained.addBody(data);
    first->encodeData(data, false);
  }
  retained.setComplete(&f.trailers);
  first->encodeTrailers(f.trailers);
  EXPECT_EQ(first_pool.stream.sent, "/upload|hello |world|trailers:done");

  // The first host goes away before answering.
  first_pool.stream.closeUnderneath(http::StreamResetReason::kConnectionTermination);
  EXPECT_EQ(f.router.reset_attempt, first.get());
  EXPECT_EQ(f.host_a.host().outcomeTotals().local_origin_failure, 1u);
  EXPECT_EQ(f.host_a.active_requests, 0u);

  // A retry: the same request, from what was kept, to another host.
  ASSERT_TRUE(retained.retriable());
  FakePool second_pool;
  auto second = f.attempt(f.host_b);
  retained.replay(*second, second_pool, f.headers);
  EXPECT_EQ(second_pool.stream.sent, "/upload|hello world|trailers:done");
  EXPECT_TRUE(second->requestSent());
  EXPECT_EQ(f.host_b.active_requests, 1u);
  // Kept for a third attempt too.
  EXPECT_EQ(retained.body().toString(), "hello world");
}

TEST(UpstreamRequestTest, ARetriedRequestWithoutTrailersEndsWithItsBody) {
  Fixture f;
  RetainedRequest retained;
  retained.enable(1024);
  Buffer data = bytes("abc");
  retained.addBody(data);
  retained.setComplete(nullptr);
  FakePool pool;
  auto attempt = f.attempt(f.host_b);
  retained.replay(*attempt, pool, f.headers);
  EXPECT_EQ(pool.stream.sent, "/upload|abc|end");
}

TEST(RetainedRequestTest, ABodyOverTheLimitIsNotRetriable) {
  RetainedRequest retained;
  Buffer data = bytes("12345");
  retained.addBody(data);
  EXPECT_FALSE(retained.retriable());  // off unless a retry could follow
  EXPECT_TRUE(retained.body().empty());

  retained.enable(8);
  retained.addBody(data);
  EXPECT_TRUE(retained.retriable());
  retained.addBody(data);  // 10 > 8
  EXPECT_FALSE(retained.retriable());
  EXPECT_TRUE(retained.body().empty());
  EXPECT_EQ(data.length(), 5u);  // the router's data is only copied, never taken
}

TEST(UpstreamRequestTest, PerTryTimeoutTellsTheRouterWhichAttempt) {
  Fixture f;
  FakePool pool;
  auto attempt = f.attempt(f.host_a);
  attempt->start(pool, f.headers, true);
  attempt->setPerTryTimeout(std::chrono::milliseconds(5));
  // A tick keeps every UV_RUN_ONCE bounded: without it, a per-try timer that fires at the
  // start of an iteration leaves nothing to wait for and the poll blocks for ever (it did,
  // when setting up took longer than 5 ms).
  Timer tick(f.loop.uv(), [] {});
  tick.enableRepeating(std::chrono::milliseconds(1));
  for (int i = 0; i < 1000 && f.router.timed_out == nullptr; ++i) {
    uv_run(f.loop.uv(), UV_RUN_ONCE);
  }
  tick.disable();
  EXPECT_EQ(f.router.timed_out, attempt.get());
}

TEST(UpstreamRequestTest, APoolFailureIsReportedOnceAndCountedAsLocalOrigin) {
  Fixture f;
  FakePool pool;
  pool.immediate = false;
  auto attempt = f.attempt(f.host_a);
  attempt->start(pool, f.headers, true);
  pool.pending.unbind();  // what a pool does before onPoolFailure: empty the handle
  pool.callbacks->onPoolFailure(upstream::PoolFailureReason::kConnectTimeout, "t");
  EXPECT_EQ(f.router.failures, 1);
  EXPECT_EQ(f.host_a.host().outcomeTotals().local_origin_failure, 1u);
  EXPECT_EQ(f.host_a.active_requests, 0u);
  Buffer late = bytes("late body");
  attempt->encodeData(late, true);  // the attempt is over: nothing is held
  EXPECT_EQ(attempt->heldBodyBytes(), 0u);
}

// circuit_breakers max_requests: an attempt past it never reaches the pool; it fails with an
// overflow (the router's 503 UO), counted as upstream_rq_pending_overflow, and is not the
// host's failure.
TEST(UpstreamRequestTest, MaxRequestsOverflowFailsWithoutTouchingThePoolOrTheHost) {
  Fixture f;
  f.cluster->circuit_breakers.thresholds[0].max_requests = 1;
  FakePool pool;
  pool.immediate = false;
  auto first = f.attempt(f.host_a);
  first->start(pool, f.headers, true);
  EXPECT_TRUE(first->awaitingStream());
  FakePool other;
  auto second = f.attempt(f.host_b);
  second->start(other, f.headers, true);
  EXPECT_EQ(f.router.failures, 1);
  EXPECT_EQ(f.router.last_failure, upstream::PoolFailureReason::kOverflow);
  EXPECT_EQ(other.handle, nullptr);  // the pool was never asked
  EXPECT_EQ(f.cluster->stats->upstream_rq_pending_overflow.value(), 1u);
  EXPECT_EQ(f.host_b.host().outcomeTotals().local_origin_failure, 0u);
  EXPECT_EQ(f.cluster->resources->at(upstream::ResourcePriority::kDefault).requests.value(), 1);
  second.reset();
  EXPECT_EQ(f.cluster->resources->at(upstream::ResourcePriority::kDefault).requests.value(), 1);
  first.reset();
  EXPECT_EQ(f.cluster->resources->at(upstream::ResourcePriority::kDefault).requests.value(), 0);
}

}  // namespace
}  // namespace meshproxy::filters::router
