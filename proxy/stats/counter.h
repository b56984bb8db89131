#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "proxy/stats/shard_cells.h"
#include "proxy/stats/stat_name.h"

namespace meshproxy::stats {

// A monotonic count. Each worker thread adds to its own copy (see shard_cells.h), so an
// increment on the data path is a thread-local load and a plain add to a cache line no other
// thread writes; value() sums the copies. The hot-path methods are defined here so they inline
// into the worker's call site.
class Counter {
 public:
  // A counter with its own single cell (shard 0 only): for tests and hand-made stat sets.
  // Counters of a Store get per-worker cells from its CellSlab.
  explicit Counter(StatName name) : name_(std::move(name)), cells_(&own_, 1) {}
  Counter(StatName name, ShardCells cells) : name_(std::move(name)), cells_(cells) {}
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void inc() { add(1); }
  void add(uint64_t n) { cells_.add(0, n); }
  uint64_t value() const { return cells_.sum(0); }

  const StatName& name() const { return name_; }
  const ShardCells& cells() const { return cells_; }

  // Cells per shard.
  static constexpr uint32_t kWidth = 1;

 private:
  const StatName name_;
  const ShardCells cells_;
  std::atomic<uint64_t> own_{0};  // used only by the standalone constructor
};

}  // namespace meshproxy::stats
