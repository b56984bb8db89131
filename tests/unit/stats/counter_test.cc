#include "proxy/stats/counter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

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

// Workers share one stat object; relaxed atomic adds must still lose nothing.
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

}  // namespace
}  // namespace meshproxy::stats
