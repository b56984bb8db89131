#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "proxy/stats/shard_cells.h"
#include "proxy/stats/stat_name.h"

namespace meshproxy::stats {

// Envoy's default histogram bucket upper bounds, in milliseconds. Fixed, so that every
// histogram is the same size and Prometheus queries written for Envoy line up bucket by bucket.
inline constexpr std::array<double, 19> kHistogramBuckets = {
    0.5,  1,    5,     10,    25,    50,     100,    250,     500,    1000,
    2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};
// Bucket slots: one per bound plus the overflow slot (+Inf).
inline constexpr size_t kHistogramSlots = kHistogramBuckets.size() + 1;

// A point-in-time copy of a histogram, taken by the renderers.
struct HistogramSnapshot {
  // Samples per bucket, NOT cumulative; the last slot holds samples above the last bound.
  std::array<uint64_t, kHistogramSlots> counts{};
  // Sum of the slots, so the +Inf bucket and _count always agree in the output.
  uint64_t count = 0;
  uint64_t sum = 0;

  // Running totals of `counts`, as Prometheus `le` buckets want them.
  std::array<uint64_t, kHistogramSlots> cumulative() const;
  // Estimate of quantile q in [0, 1], interpolated linearly inside the bucket that holds it.
  // NaN when empty. Samples above the last bound report that bound (no upper edge is known).
  double quantile(double q) const;
};

// Distribution of millisecond values (latencies, durations). record() is lock-free and
// allocation-free: a short search over the bounds and two adds to the calling worker's own copy
// of the buckets (see shard_cells.h); snapshot() merges the copies. A reader may see the sum of a
// sample before its bucket (or the reverse); that skew is bounded by the samples in flight and
// accepted, as in Envoy. The count is always the sum of the buckets, so `_count` and the +Inf
// bucket agree.
class Histogram {
 public:
  // A histogram with its own cells (shard 0 only): for tests and hand-made stat sets.
  // Histograms of a Store get per-worker cells from its CellSlab.
  explicit Histogram(StatName name);
  Histogram(StatName name, ShardCells cells);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void record(uint64_t value_ms);
  HistogramSnapshot snapshot() const;

  const StatName& name() const { return name_; }
  const ShardCells& cells() const { return cells_; }

  // Cells per shard: the bucket slots, then the sum.
  static constexpr uint32_t kWidth = kHistogramSlots + 1;

 private:
  static constexpr size_t kSumCell = kHistogramSlots;

  const StatName name_;
  std::unique_ptr<std::atomic<uint64_t>[]> own_;  // standalone constructor only
  const ShardCells cells_;
};

}  // namespace meshproxy::stats
