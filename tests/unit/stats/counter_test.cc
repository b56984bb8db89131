#include "proxy/stats/counter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proxy/core/thread_shard.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/histogram.h"
#include "proxy/stats/store.h"

namespace meshproxy::stats {
namespace {

TEST(StatsCounterTest, IncAndAdd) {
  Counter c(StatName{"a", "a", {}});
  c.inc();
  c.add(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(StatsGaugeTest, AllOperations) {
  Gauge g(StatName{"g", "g", {}});
  g.inc();
  g.inc();
  g.dec();
  g.add(10);
  g.sub(3);
  EXPECT_EQ(g.value(), 8);
  g.set(-5);
  EXPECT_EQ(g.value(), -5);
}

// Threads without a shard share one stat object; relaxed atomic adds must still lose nothing.
TEST(StatsConcurrencyTest, FourThreadsSumExactly) {
  Store store;
  Scope scope = store.scope("cluster", "backend");
  Counter& counter = scope.counter("upstream_rq_total");
  Gauge& gauge = scope.gauge("upstream_rq_active");
  Histogram& histogram = scope.histogram("upstream_rq_time");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        counter.inc();
        gauge.inc();
        histogram.record(static_cast<uint64_t>(i % 7));
      }
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(counter.value(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(gauge.value(), int64_t{kThreads} * kPerThread);
  const HistogramSnapshot snap = histogram.snapshot();
  EXPECT_EQ(snap.count, uint64_t{kThreads} * kPerThread);
  uint64_t expected_sum = 0;
  for (int i = 0; i < kPerThread; ++i) expected_sum += static_cast<uint64_t>(i % 7);
  EXPECT_EQ(snap.sum, expected_sum * kThreads);
}

// Creation may race with other creators (e.g. a worker lazily creating a response-code counter);
// all of them must get the one object.
TEST(StatsConcurrencyTest, ConcurrentCreationYieldsOneObject) {
  Store store;
  constexpr int kThreads = 4;
  std::vector<Counter*> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &seen, t] {
      for (int i = 0; i < 1000; ++i) {
        Counter& c =
            store.scope("http", "ingress_http").responseCodeClassCounter("downstream_rq", 2);
        c.inc();
        seen[t] = &c;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (Counter* c : seen) EXPECT_EQ(c, seen[0]);
  EXPECT_EQ(seen[0]->value(), 4000u);
}

// Starts `claimed` threads that hold a thread shard (as workers do) and `unclaimed` that do not,
// runs `body(thread_number)` on each, all at once, and returns each thread's shard.
template <typename Body>
std::vector<uint32_t> runThreads(int claimed, int unclaimed, Body body) {
  const int total = claimed + unclaimed;
  std::vector<uint32_t> shards(static_cast<size_t>(total));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < total; ++t) {
    threads.emplace_back([&, t] {
      std::optional<ThreadShardClaim> claim;
      if (t < claimed) claim.emplace();
      shards[static_cast<size_t>(t)] = threadShard();
      ready.fetch_add(1);
      while (ready.load() < total) std::this_thread::yield();  // maximize overlap
      body(t);
    });
  }
  for (std::thread& t : threads) t.join();
  return shards;
}

// Per-worker counters: each claimed thread adds to its own cells, the others share shard 0;
// value() is exact once the threads are done.
TEST(StatsShardedCounterTest, WorkersAndOtherThreadsSumExactly) {
  Store store(StoreOptions{.worker_shards = 4});
  Counter& counter = store.scope("cluster", "backend").counter("upstream_rq_total");
  constexpr int kPerThread = 200000;
  const std::vector<uint32_t> shards = runThreads(4, 2, [&](int t) {
    for (int i = 0; i < kPerThread; ++i) counter.add(static_cast<uint64_t>(t + 1));
  });
  EXPECT_EQ(counter.value(), uint64_t{kPerThread} * (1 + 2 + 3 + 4 + 5 + 6));

  // Where the increments landed: each worker in its own shard, the rest in shard 0.
  const ShardCells& cells = counter.cells();
  ASSERT_EQ(cells.shards(), 5u);
  uint64_t shared = 0;
  for (int t = 0; t < 6; ++t) {
    const uint64_t mine = uint64_t{kPerThread} * static_cast<uint64_t>(t + 1);
    if (shards[t] != 0 && shards[t] < cells.shards()) {
      EXPECT_EQ(cells.base()[shards[t] * kShardStride].load(), mine) << "thread " << t;
    } else {
      shared += mine;
    }
  }
  EXPECT_EQ(cells.base()[0].load(), shared);
}

// More workers than the store has shards for: the extra ones fall back to shard 0's atomics.
TEST(StatsShardedCounterTest, MoreWorkersThanShardsStillExact) {
  Store store(StoreOptions{.worker_shards = 2});
  Counter& counter = store.rootScope().counter("c");
  constexpr int kPerThread = 200000;
  runThreads(6, 0, [&](int) {
    for (int i = 0; i < kPerThread; ++i) counter.inc();
  });
  EXPECT_EQ(counter.value(), uint64_t{6} * kPerThread);
}

// Histograms: each worker records into its own buckets; snapshot() merges them, and the
// Prometheus exposition of the merge is consistent (+Inf bucket == _count, exact _sum).
TEST(StatsShardedHistogramTest, WorkerCopiesMergeExactly) {
  Store store(StoreOptions{.worker_shards = 3});
  Histogram& histogram = store.scope("cluster", "backend").histogram("upstream_rq_time");
  constexpr int kPerThread = 100000;
  // Thread t records values t*40 + (i % 7): each thread fills different buckets.
  runThreads(3, 1, [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      histogram.record(static_cast<uint64_t>(t * 40 + i % 7));
    }
  });

  Histogram expected(StatName{"e", "e", {}});
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < kPerThread; ++i) expected.record(static_cast<uint64_t>(t * 40 + i % 7));
  }
  const HistogramSnapshot merged = histogram.snapshot();
  const HistogramSnapshot want = expected.snapshot();
  EXPECT_EQ(merged.counts, want.counts);
  EXPECT_EQ(merged.count, uint64_t{4} * kPerThread);
  EXPECT_EQ(merged.sum, want.sum);

  const std::string prom = store.renderPrometheus();
  const std::string labels = "envoy_cluster_name=\"backend\"";
  EXPECT_NE(prom.find("envoy_cluster_upstream_rq_time_bucket{" + labels + ",le=\"+Inf\"} " +
                      std::to_string(merged.count) + "\n"),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("envoy_cluster_upstream_rq_time_count{" + labels + "} " +
                      std::to_string(merged.count) + "\n"),
            std::string::npos);
  EXPECT_NE(prom.find("envoy_cluster_upstream_rq_time_sum{" + labels + "} " +
                      std::to_string(merged.sum) + "\n"),
            std::string::npos);
  // le="50" holds threads 0 and 1 (values 0..6 and 40..46).
  EXPECT_NE(prom.find("envoy_cluster_upstream_rq_time_bucket{" + labels + ",le=\"50\"} " +
                      std::to_string(2 * kPerThread) + "\n"),
            std::string::npos);
}

// Readers run while workers write: totals never go backwards and end exact.
TEST(StatsShardedCounterTest, ConcurrentReadsAreMonotonic) {
  Store store(StoreOptions{.worker_shards = 2});
  Counter& counter = store.rootScope().counter("c");
  std::atomic<bool> done{false};
  bool monotonic = true;
  std::thread reader([&] {
    uint64_t last = 0;
    while (!done.load()) {
      const uint64_t now = counter.value();
      if (now < last) monotonic = false;
      last = now;
    }
  });
  runThreads(2, 1, [&](int) {
    for (int i = 0; i < 200000; ++i) counter.inc();
  });
  done = true;
  reader.join();
  EXPECT_TRUE(monotonic);
  EXPECT_EQ(counter.value(), 600000u);
}

TEST(StatsShardedCounterTest, StoreSizesCellsByWorkers) {
  Store store(StoreOptions{.worker_shards = 3});
  EXPECT_EQ(store.shards(), 4u);
  EXPECT_EQ(store.cellBytes(), 0u);
  store.rootScope().counter("c");
  EXPECT_EQ(store.cellBytes(), 4 * kShardStride * sizeof(uint64_t));  // one chunk
  EXPECT_EQ(Store().shards(), 1u);
}

}  // namespace
}  // namespace meshproxy::stats
