// ConnPoolBase's accounting, protocol-free: a fake connection type whose connect, stream end
// and close the test drives. Limit 1 is HTTP/1; limit 2 stands for a multiplexed protocol.
#include "proxy/upstream/conn_pool_base.h"

#include <gtest/gtest.h>

#include <vector>

#include "proxy/core/timer.h"
#include "tests/unit/upstream/test_cluster.h"

namespace meshproxy::upstream {
namespace {

class NullDecoder : public http::ResponseDecoder {
 public:
  void decodeHeaders(std::unique_ptr<http::HeaderMap>, bool) override {}
  void decodeData(Buffer&, bool) override {}
  void decodeTrailers(std::unique_ptr<http::HeaderMap>) override {}
};

class FakePool;

// A connection whose streams are PoolHandleTargets of their own.
class FakeClient : public ConnPoolBase::ActiveClient {
 public:
  struct Stream : PoolStream, PoolHandleTarget {
    http::RequestEncoder& encoder() override { std::abort(); }
    const network::Connection& connection() const override { std::abort(); }
    void onHandleCancelled() override { cancelled = true; }
    using PoolHandleTarget::bind;
    using PoolHandleTarget::bound;
    bool cancelled = false;
  };

  FakeClient(FakePool& pool, uint32_t limit);
  void startStream(http::ResponseDecoder&, PoolHandle& handle, PoolCallbacks& callbacks) override {
    streams.push_back(std::make_unique<Stream>());
    streams.back()->bind(handle, streams.back().get());
    callbacks.onPoolReady(*streams.back());
  }
  void close() override;

  FakePool& fake_pool;
  bool closed = false;
  std::vector<std::unique_ptr<Stream>> streams;
};

class FakePool : public ConnPoolBase {
 public:
  FakePool(EventLoop& loop, ClusterConfigSharedPtr cluster, uint32_t limit)
      : ConnPoolBase(loop,
                     std::make_shared<Host>(*network::Address::parse("10.0.0.1:80"), "10.0.0.1:80"),
                     std::move(cluster), PoolKey{http::Protocol::kHttp2, 0}),
        limit_(limit) {}

  std::unique_ptr<ActiveClient> instantiateClient() override {
    auto client = std::make_unique<FakeClient>(*this, limit_);
    made.push_back(client.get());
    return client;
  }
  void connected(FakeClient& c) { onConnected(c); }
  void connectFailed(FakeClient& c) { onConnectFailed(c, PoolFailureReason::kConnectTimeout, "t"); }
  void streamDone(FakeClient& c, bool reusable) { onStreamDone(c, reusable); }
  void closed(FakeClient& c) { onClosed(c); }
  void streamLimit(FakeClient& c, uint32_t limit) { onConcurrentStreamLimit(c, limit); }
  void goAway(FakeClient& c) { onGoAway(c); }

  std::vector<FakeClient*> made;  // every client ever made (deleted ones deferred)

 private:
  uint32_t limit_;
};

FakeClient::FakeClient(FakePool& pool, uint32_t limit)
    : ActiveClient(pool, limit), fake_pool(pool) {}

void FakeClient::close() {
  if (closed) return;
  closed = true;
  fake_pool.closed(*this);
}

struct Callbacks : PoolCallbacks {
  void onPoolReady(PoolStream&) override { ++ready; }
  void onPoolFailure(PoolFailureReason, std::string_view) override { ++failed; }
  int ready = 0;
  int failed = 0;
};

struct Fixture {
  EventLoop loop;
  stats::Store store;
  std::shared_ptr<ClusterConfig> cluster = makeTestCluster(store, "pool-test");
  NullDecoder decoder;
  ~Fixture() { Timer::releasePool(loop.uv()); }
  void runDeferred() { uv_run(loop.uv(), UV_RUN_NOWAIT); }
};

TEST(ConnPoolBaseTest, OneStreamPerConnectionQueuesAndReusesTheConnection) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 1);
  Callbacks cb;
  PoolHandle a, b;
  pool.newStream(f.decoder, cb, a);
  pool.newStream(f.decoder, cb, b);
  EXPECT_TRUE(a.pending());
  EXPECT_EQ(pool.pendingCount(), 2u);
  EXPECT_EQ(pool.made.size(), 2u);  // one connection per waiting stream
  EXPECT_EQ(f.cluster->resources->pending_requests.value(), 2);
  EXPECT_EQ(f.cluster->resources->connections.value(), 2);

  pool.connected(*pool.made[0]);
  EXPECT_EQ(cb.ready, 1);
  EXPECT_NE(a.stream(), nullptr);
  EXPECT_TRUE(b.pending());
  // The first stream ends; its connection serves the second before the second connects.
  a.release();
  pool.streamDone(*pool.made[0], true);
  EXPECT_EQ(cb.ready, 2);
  EXPECT_NE(b.stream(), nullptr);
  EXPECT_EQ(f.cluster->resources->pending_requests.value(), 0);
  // The other connection comes up with nothing to do, and is ready for the next stream.
  pool.connected(*pool.made[1]);
  PoolHandle c;
  pool.newStream(f.decoder, cb, c);
  EXPECT_EQ(cb.ready, 3);
  EXPECT_EQ(pool.made.size(), 2u);
}

TEST(ConnPoolBaseTest, AStreamCapacityAboveOneMultiplexes) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 2);
  Callbacks cb;
  PoolHandle a, b, c;
  pool.newStream(f.decoder, cb, a);
  pool.newStream(f.decoder, cb, b);
  EXPECT_EQ(pool.made.size(), 1u);  // the connecting one will carry both
  pool.newStream(f.decoder, cb, c);
  EXPECT_EQ(pool.made.size(), 2u);
  pool.connected(*pool.made[0]);
  EXPECT_EQ(cb.ready, 2);
  EXPECT_EQ(pool.made[0]->activeStreams(), 2u);
  EXPECT_TRUE(c.pending());
  b.release();
  pool.streamDone(*pool.made[0], true);  // a slot frees up: c takes it
  EXPECT_EQ(cb.ready, 3);
  EXPECT_EQ(pool.made[0]->activeStreams(), 2u);
}

// HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: a lower limit stops new streams on the connection
// (they open another), a higher one lets waiting streams in.
TEST(ConnPoolBaseTest, ThePeersStreamLimitChangesTheCapacity) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 100);
  Callbacks cb;
  PoolHandle a, b, c;
  pool.newStream(f.decoder, cb, a);
  pool.connected(*pool.made[0]);
  EXPECT_EQ(cb.ready, 1);
  pool.streamLimit(*pool.made[0], 1);
  pool.newStream(f.decoder, cb, b);
  EXPECT_TRUE(b.pending());
  EXPECT_EQ(pool.made.size(), 2u);  // full: another connection for b
  pool.streamLimit(*pool.made[0], 3);
  EXPECT_EQ(cb.ready, 2);  // b got the freed capacity on the first connection
  EXPECT_EQ(pool.made[0]->activeStreams(), 2u);
  pool.newStream(f.decoder, cb, c);
  EXPECT_EQ(cb.ready, 3);
  EXPECT_EQ(pool.made[0]->activeStreams(), 3u);
}

// HTTP/2 GOAWAY: the connection takes no new stream, closes when its streams are done, and
// waiting streams go to a new connection.
TEST(ConnPoolBaseTest, GoAwayDrainsTheConnection) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 10);
  Callbacks cb;
  PoolHandle a, b;
  pool.newStream(f.decoder, cb, a);
  pool.connected(*pool.made[0]);
  pool.goAway(*pool.made[0]);
  EXPECT_FALSE(pool.made[0]->closed);  // a is still in flight
  pool.newStream(f.decoder, cb, b);
  EXPECT_TRUE(b.pending());
  EXPECT_EQ(pool.made.size(), 2u);
  a.release();
  pool.streamDone(*pool.made[0], false);
  EXPECT_TRUE(pool.made[0]->closed);
  pool.connected(*pool.made[1]);
  EXPECT_NE(b.stream(), nullptr);
}

TEST(ConnPoolBaseTest, CancellingAWaitingStreamLeavesTheQueueWithoutACallback) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 1);
  Callbacks cb;
  {
    PoolHandle dropped;
    pool.newStream(f.decoder, cb, dropped);
    EXPECT_EQ(pool.pendingCount(), 1u);
  }  // destroying the handle cancels
  EXPECT_EQ(pool.pendingCount(), 0u);
  // Out of the circuit breakers' count at once, not when the deferred delete runs.
  EXPECT_EQ(f.cluster->resources->pending_requests.value(), 0);
  f.runDeferred();
  EXPECT_EQ(f.cluster->resources->pending_requests.value(), 0);
  pool.connected(*pool.made[0]);
  EXPECT_EQ(cb.ready + cb.failed, 0);
}

TEST(ConnPoolBaseTest, DroppingAReadyHandleCancelsTheStream) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 1);
  Callbacks cb;
  auto handle = std::make_unique<PoolHandle>();
  pool.newStream(f.decoder, cb, *handle);
  pool.connected(*pool.made[0]);
  FakeClient::Stream* stream = pool.made[0]->streams[0].get();
  EXPECT_TRUE(stream->bound());
  handle.reset();
  EXPECT_TRUE(stream->cancelled);
  EXPECT_FALSE(stream->bound());
}

TEST(ConnPoolBaseTest, AFailedConnectFailsTheOldestWaitingStreamOnly) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 1);
  Callbacks first, second;
  PoolHandle a, b;
  pool.newStream(f.decoder, first, a);
  pool.newStream(f.decoder, second, b);
  pool.connectFailed(*pool.made[0]);
  EXPECT_EQ(first.failed, 1);
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(b.pending());  // the other connect can still serve it
  pool.connected(*pool.made[1]);
  EXPECT_EQ(second.ready, 1);
  f.runDeferred();
}

TEST(ConnPoolBaseTest, MaxRequestsPerConnectionRetiresTheConnection) {
  Fixture f;
  f.cluster->max_requests_per_connection = 2;
  FakePool pool(f.loop, f.cluster, 1);
  Callbacks cb;
  for (int i = 0; i < 2; ++i) {
    PoolHandle h;
    pool.newStream(f.decoder, cb, h);
    if (i == 0) pool.connected(*pool.made[0]);
    h.release();
    pool.streamDone(*pool.made[0], true);
  }
  EXPECT_TRUE(pool.made[0]->closed);
  EXPECT_EQ(f.cluster->stats->upstream_cx_max_requests.value(), 1u);
  EXPECT_EQ(pool.connectionCount(), 0u);
  f.runDeferred();
  EXPECT_EQ(f.cluster->resources->connections.value(), 0);
}

TEST(ConnPoolBaseTest, DrainClosesIdleConnectionsAndBusyOnesWhenTheirStreamsEnd) {
  Fixture f;
  FakePool pool(f.loop, f.cluster, 1);
  Callbacks cb;
  PoolHandle busy, idle;
  pool.newStream(f.decoder, cb, busy);
  pool.newStream(f.decoder, cb, idle);
  pool.connected(*pool.made[0]);
  pool.connected(*pool.made[1]);
  idle.release();
  pool.streamDone(*pool.made[1], true);
  pool.drainConnections();
  EXPECT_FALSE(pool.made[0]->closed);
  EXPECT_TRUE(pool.made[1]->closed);
  busy.release();
  pool.streamDone(*pool.made[0], true);
  EXPECT_TRUE(pool.made[0]->closed);
  f.runDeferred();
}

}  // namespace
}  // namespace meshproxy::upstream
