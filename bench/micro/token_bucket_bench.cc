// Per-request cost of the local rate limit buckets, from 1 and 2 threads (each plays a worker).
//
//   cmake -S . -B build -DMESHPROXY_BENCH=ON && cmake --build build --target token_bucket_bench
//   build/bin/token_bucket_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The shared bucket (AtomicTokenBucket: one CAS on a word all workers share) against a mutex
// around the same arithmetic (the obvious alternative) and against the per-connection bucket
// (no sharing at all, the floor). "Allowed" buckets never run dry (the path of a proxy that is
// not limiting); "Refused" ones are empty (a flood being limited: a refusal is a read only).
// With more threads than idle cores the numbers are noise; on a shared machine indicative only.
#include <benchmark/benchmark.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "proxy/core/token_bucket.h"
#include "proxy/filters/http/local_ratelimit/local_rate_limiter.h"

namespace meshproxy {
namespace {

using std::chrono::seconds;

const MonotonicTime kOrigin = std::chrono::steady_clock::now();
const TokenBucketSpec kHuge{UINT32_MAX, UINT32_MAX, seconds(1)};
const TokenBucketSpec kEmpty{1, 1, seconds(3600)};

// The baseline: the same arithmetic under a lock.
class MutexTokenBucket {
 public:
  MutexTokenBucket(const TokenBucketSpec& spec, MonotonicTime origin) : bucket_(spec, origin) {}
  bool tryConsume(MonotonicTime now) {
    std::lock_guard<std::mutex> lock(mutex_);
    return bucket_.tryConsume(now);
  }

 private:
  std::mutex mutex_;
  TokenBucket bucket_;
};

AtomicTokenBucket& sharedAllowed() {
  static auto* b = new AtomicTokenBucket(kHuge, kOrigin);
  return *b;
}
AtomicTokenBucket& sharedRefused() {
  static auto* b = [] {
    auto* bucket = new AtomicTokenBucket(kEmpty, kOrigin);
    bucket->tryConsume(kOrigin);
    return bucket;
  }();
  return *b;
}
MutexTokenBucket& mutexAllowed() {
  static auto* b = new MutexTokenBucket(kHuge, kOrigin);
  return *b;
}

void BM_SharedBucketAllowed(benchmark::State& state) {
  AtomicTokenBucket& b = sharedAllowed();
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(std::chrono::steady_clock::now()));
}
BENCHMARK(BM_SharedBucketAllowed)->Threads(1)->Threads(2);

// The bucket alone, with the clock read hoisted out (the worker loop's cached time).
void BM_SharedBucketAllowedCachedClock(benchmark::State& state) {
  AtomicTokenBucket& b = sharedAllowed();
  const MonotonicTime now = std::chrono::steady_clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(now));
}
BENCHMARK(BM_SharedBucketAllowedCachedClock)->Threads(1)->Threads(2);

void BM_SharedBucketRefused(benchmark::State& state) {
  AtomicTokenBucket& b = sharedRefused();
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(std::chrono::steady_clock::now()));
}
BENCHMARK(BM_SharedBucketRefused)->Threads(1)->Threads(2);

void BM_MutexBucketAllowed(benchmark::State& state) {
  MutexTokenBucket& b = mutexAllowed();
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(std::chrono::steady_clock::now()));
}
BENCHMARK(BM_MutexBucketAllowed)->Threads(1)->Threads(2);

// The alternative design: each worker keeps a local share and refills it from the global
// atomic bucket in batches (here 64 tokens), so most requests touch no shared word. Not exact
// across workers (a share taken by one worker is unavailable to another until spent), which
// is why the shared CAS bucket was chosen unless the share is clearly cheaper.
class WorkerShareBucket {
 public:
  explicit WorkerShareBucket(AtomicTokenBucket& global) : global_(global) {}
  bool tryConsume(MonotonicTime now) {
    if (local_ == 0) {
      if (global_.tryConsume(now, kBatch)) {
        local_ = kBatch;
      } else if (global_.tryConsume(now, 1)) {
        local_ = 1;
      } else {
        return false;
      }
    }
    --local_;
    return true;
  }

 private:
  static constexpr uint32_t kBatch = 64;
  AtomicTokenBucket& global_;
  uint32_t local_ = 0;
};

void BM_WorkerShareAllowed(benchmark::State& state) {
  WorkerShareBucket b(sharedAllowed());  // one share per thread, one global bucket
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(std::chrono::steady_clock::now()));
}
BENCHMARK(BM_WorkerShareAllowed)->Threads(1)->Threads(2);

void BM_WorkerShareAllowedCachedClock(benchmark::State& state) {
  WorkerShareBucket b(sharedAllowed());
  const MonotonicTime now = std::chrono::steady_clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(now));
}
BENCHMARK(BM_WorkerShareAllowedCachedClock)->Threads(1)->Threads(2);

void BM_ConnectionBucketAllowed(benchmark::State& state) {
  TokenBucket b(kHuge, kOrigin);  // one per thread: nothing shared
  for (auto _ : state) benchmark::DoNotOptimize(b.tryConsume(std::chrono::steady_clock::now()));
}
BENCHMARK(BM_ConnectionBucketAllowed)->Threads(1)->Threads(2);

// The whole limiter for a request with one descriptor that has its own bucket: the descriptor
// lookup, the descriptor bucket and the default bucket.
filters::local_ratelimit::SharedLocalRateLimiter& limiter() {
  static auto* l = [] {
    filters::local_ratelimit::LocalRateLimiterSpec spec;
    spec.bucket = kHuge;
    spec.descriptors.push_back({{{"client_id", "tenant-42"}}, kHuge});
    auto index = *filters::local_ratelimit::DescriptorIndex::create(spec);
    return new filters::local_ratelimit::SharedLocalRateLimiter(spec, index, kOrigin);
  }();
  return *l;
}

void BM_LimiterWithDescriptor(benchmark::State& state) {
  auto& l = limiter();
  std::vector<route::RateLimitDescriptor> descriptors(1);
  descriptors[0].add("client_id", "tenant-42");
  for (auto _ : state) {
    benchmark::DoNotOptimize(l.requestAllowed(descriptors, std::chrono::steady_clock::now()));
  }
}
BENCHMARK(BM_LimiterWithDescriptor)->Threads(1)->Threads(2);

}  // namespace
}  // namespace meshproxy

BENCHMARK_MAIN();
