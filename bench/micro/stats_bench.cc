// Per-request cost of stats and access logging, from 1 and 2 threads.
//
//   cmake -S . -B build -DMESHPROXY_BENCH=ON && cmake --build build --target stats_bench
//   build/bin/stats_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Each thread plays a worker. The "request" benchmarks touch the stats one proxied HTTP request
// touches today (connection manager + router: 8 counter adds, 2 histogram records, and the two
// rq_active gauges up and down), so the figure is the stats share of a request's CPU. With more
// threads than idle cores the numbers are noise; on a shared machine they are indicative only.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>

#include "proxy/accesslog/access_log_manager.h"
#include "proxy/stats/store.h"

#if __has_include("proxy/core/thread_shard.h")
#include "proxy/core/thread_shard.h"
#define MESHPROXY_HAS_THREAD_SHARDS 1
#endif

namespace meshproxy {
namespace {

// Every benchmark thread claims a shard as a worker thread does (when the code has shards).
struct WorkerThread {
#ifdef MESHPROXY_HAS_THREAD_SHARDS
  ThreadShardClaim claim;
#endif
};

stats::Store& store() {
#ifdef MESHPROXY_HAS_THREAD_SHARDS
  static auto* s = new stats::Store(stats::StoreOptions{.worker_shards = 4});
#else
  static auto* s = new stats::Store();
#endif
  return *s;
}

struct RequestStats {
  stats::Counter& downstream_rq_total;
  stats::Counter& downstream_rq_2xx;
  stats::Counter& downstream_rq_completed;
  stats::Counter& downstream_cx_rx_bytes_total;
  stats::Counter& upstream_rq_total;
  stats::Counter& upstream_rq_2xx;
  stats::Counter& upstream_rq_completed;
  stats::Counter& upstream_cx_rx_bytes_total;
  stats::Gauge& downstream_rq_active;
  stats::Gauge& upstream_rq_active;
  stats::Histogram& downstream_rq_time;
  stats::Histogram& upstream_rq_time;
};

RequestStats& requestStats() {
  static auto* s = [] {
    stats::Scope http = store().scope("http", "ingress_http");
    stats::Scope cluster = store().scope("cluster", "backend");
    return new RequestStats{http.counter("downstream_rq_total"),
                            http.responseCodeClassCounter("downstream_rq", 2),
                            http.counter("downstream_rq_completed"),
                            http.counter("downstream_cx_rx_bytes_total"),
                            cluster.counter("upstream_rq_total"),
                            cluster.responseCodeClassCounter("upstream_rq", 2),
                            cluster.counter("upstream_rq_completed"),
                            cluster.counter("upstream_cx_rx_bytes_total"),
                            http.gauge("downstream_rq_active"),
                            cluster.gauge("upstream_rq_active"),
                            http.histogram("downstream_rq_time"),
                            cluster.histogram("upstream_rq_time")};
  }();
  return *s;
}

void BM_CounterInc(benchmark::State& state) {
  WorkerThread worker;
  stats::Counter& c = store().scope("cluster", "backend").counter("upstream_rq_total");
  for (auto _ : state) c.inc();
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_HistogramRecord(benchmark::State& state) {
  WorkerThread worker;
  stats::Histogram& h = store().scope("cluster", "backend").histogram("upstream_rq_time");
  uint64_t v = 0;
  for (auto _ : state) h.record(v++ & 63);
}
BENCHMARK(BM_HistogramRecord)->Threads(1)->Threads(2);

void BM_RequestStats(benchmark::State& state) {
  WorkerThread worker;
  RequestStats& s = requestStats();
  uint64_t i = 0;
  for (auto _ : state) {
    s.downstream_rq_total.inc();
    s.downstream_rq_active.inc();
    s.downstream_cx_rx_bytes_total.add(120);
    s.upstream_rq_total.inc();
    s.upstream_rq_active.inc();
    s.upstream_cx_rx_bytes_total.add(200);
    s.upstream_rq_2xx.inc();
    s.upstream_rq_completed.inc();
    s.upstream_rq_time.record(i & 7);
    s.upstream_rq_active.dec();
    s.downstream_rq_2xx.inc();
    s.downstream_rq_active.dec();
    s.downstream_rq_completed.inc();
    s.downstream_rq_time.record(i & 7);
    ++i;
  }
}
BENCHMARK(BM_RequestStats)->Threads(1)->Threads(2);

// The same request without the two gauges: what is left once counters and histograms are
// per worker.
void BM_RequestStatsNoGauges(benchmark::State& state) {
  WorkerThread worker;
  RequestStats& s = requestStats();
  uint64_t i = 0;
  for (auto _ : state) {
    s.downstream_rq_total.inc();
    s.downstream_cx_rx_bytes_total.add(120);
    s.upstream_rq_total.inc();
    s.upstream_cx_rx_bytes_total.add(200);
    s.upstream_rq_2xx.inc();
    s.upstream_rq_completed.inc();
    s.upstream_rq_time.record(i & 7);
    s.downstream_rq_2xx.inc();
    s.downstream_rq_completed.inc();
    s.downstream_rq_time.record(i & 7);
    ++i;
  }
}
BENCHMARK(BM_RequestStatsNoGauges)->Threads(1)->Threads(2);

// One access log record per request into a sink on /dev/null, with the manager's flush thread
// writing it out (kicked every 64 KiB) as in the proxy.
void BM_AccessLogWrite(benchmark::State& state) {
  WorkerThread worker;
  static auto* manager = [] {
    accesslog::AccessLogManagerOptions options;
    options.sink_limits.max_buffered_bytes = 256 * 1024 * 1024;
    return new accesslog::AccessLogManager(options);
  }();
  static std::shared_ptr<accesslog::LogSink> sink = *manager->fileSink("/dev/null");
  const std::string line(200, 'x');
  const std::string record = line + "\n";
  const uint64_t dropped_before = sink->droppedRecords();
  for (auto _ : state) sink->write(record);
  state.counters["dropped"] = static_cast<double>(sink->droppedRecords() - dropped_before);
}
BENCHMARK(BM_AccessLogWrite)->Threads(1)->Threads(2);

}  // namespace
}  // namespace meshproxy

BENCHMARK_MAIN();
