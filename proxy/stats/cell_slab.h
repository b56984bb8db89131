#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/stats/shard_cells.h"

namespace meshproxy::stats {

// Hands out ShardCells for a Store: chunks of kShardStride cells per shard, shard-major, so a
// stat is a slot (a run of `width` cells) at the same offset in every shard's part of a chunk.
// Chunks never move or shrink while the slab lives, so a stat's address is stable without any
// reference counting on the data path. Released slots are zeroed in every shard and reused by
// the next stat of the same width.
//
// Not thread-safe: the Store calls it under its mutex.
class CellSlab {
 public:
  // `shards`: 1 (the shared shard) + the number of worker threads that get their own.
  explicit CellSlab(uint32_t shards);
  ~CellSlab();
  CellSlab(const CellSlab&) = delete;
  CellSlab& operator=(const CellSlab&) = delete;

  // `width` zeroed cells in every shard; width <= kShardStride.
  ShardCells allocate(uint32_t width);
  // Gives the slot back. The caller guarantees no thread writes to it any more.
  void release(const ShardCells& cells, uint32_t width);

  uint32_t shards() const { return shards_; }
  // Cell memory held, in bytes (every shard of every chunk).
  size_t bytes() const;
  // Slots currently handed out, of any width.
  size_t slotsInUse() const { return in_use_; }

 private:
  struct ChunkDeleter {
    void operator()(std::atomic<uint64_t>* cells) const;
  };
  using Chunk = std::unique_ptr<std::atomic<uint64_t>[], ChunkDeleter>;

  const uint32_t shards_;
  std::vector<Chunk> chunks_;
  size_t next_free_ = kShardStride;  // first unused cell of the last chunk (none yet)
  absl::flat_hash_map<uint32_t, std::vector<std::atomic<uint64_t>*>> released_;  // by width
  size_t in_use_ = 0;
};

}  // namespace meshproxy::stats
