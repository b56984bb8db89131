#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "proxy/core/thread_shard.h"

namespace meshproxy::stats {

// Distance, in cells, between one shard's copy of a stat and the next shard's. Fixed so that a
// stat needs only its shard-0 address to reach every copy (CellSlab lays chunks out this way),
// and large (8 KiB) so that two threads' copies never share a cache line.
inline constexpr size_t kShardStride = 1024;

// The storage of one counter or histogram: `width` consecutive 64-bit cells per shard, shard s
// at base + s * kShardStride. Shard 0 takes atomic adds from any thread; shard s >= 1 is written
// only by the thread that claimed shard s (see core/thread_shard.h), with a plain load and store
// (relaxed atomics, so readers on other threads are race-free and see whole values). A thread
// whose shard this storage does not have (unclaimed, or claimed beyond `shards`) uses shard 0.
//
// Readers sum the shards. The sum is exact once writers are quiet; while they run it may miss
// increments still in flight, never counts one twice, and never goes backwards.
class ShardCells {
 public:
  ShardCells() = default;
  ShardCells(std::atomic<uint64_t>* base, uint32_t shards) : base_(base), shards_(shards) {}

  // Adds `n` to cell `offset` in the calling thread's shard.
  void add(size_t offset, uint64_t n) const { bump(column(), offset, n); }

  // Two adds for the price of one shard lookup (a histogram's bucket and its sum).
  void add2(size_t offset_a, uint64_t a, size_t offset_b, uint64_t b) const {
    const Column c = column();
    bump(c, offset_a, a);
    bump(c, offset_b, b);
  }

  // Cell `offset` summed over every shard.
  uint64_t sum(size_t offset) const {
    uint64_t total = 0;
    for (uint32_t s = 0; s < shards_; ++s) {
      total += base_[s * kShardStride + offset].load(std::memory_order_relaxed);
    }
    return total;
  }

  std::atomic<uint64_t>* base() const { return base_; }
  uint32_t shards() const { return shards_; }

 private:
  struct Column {
    std::atomic<uint64_t>* cells;
    bool exclusive;  // the calling thread is the only writer
  };

  Column column() const {
    const uint32_t s = threadShard();
    if (s != 0 && s < shards_) [[likely]] {
      return {base_ + s * kShardStride, true};
    }
    return {base_, false};
  }

  static void bump(Column c, size_t offset, uint64_t n) {
    std::atomic<uint64_t>& cell = c.cells[offset];
    if (c.exclusive) [[likely]] {
      // One writer: no lock prefix, no cache line shared with another writer.
      cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    } else {
      cell.fetch_add(n, std::memory_order_relaxed);
    }
  }

  std::atomic<uint64_t>* base_ = nullptr;
  uint32_t shards_ = 0;
};

}  // namespace meshproxy::stats
