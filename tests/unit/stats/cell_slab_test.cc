#include "proxy/stats/cell_slab.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace meshproxy::stats {
namespace {

TEST(StatsCellSlabTest, SlotsAreZeroedAndDisjoint) {
  CellSlab slab(3);
  ShardCells a = slab.allocate(1);
  ShardCells h = slab.allocate(21);
  ShardCells b = slab.allocate(1);
  EXPECT_EQ(a.shards(), 3u);
  std::set<const std::atomic<uint64_t>*> cells;
  for (const auto& [slot, width] : {std::pair{a, 1}, std::pair{h, 21}, std::pair{b, 1}}) {
    for (uint32_t s = 0; s < 3; ++s) {
      for (int i = 0; i < width; ++i) {
        const std::atomic<uint64_t>* cell = slot.base() + s * kShardStride + i;
        EXPECT_EQ(cell->load(), 0u);
        EXPECT_TRUE(cells.insert(cell).second) << "cell shared by two slots";
      }
    }
  }
  EXPECT_EQ(slab.slotsInUse(), 3u);
}

TEST(StatsCellSlabTest, ShardsOfOneSlotAreOnDifferentCacheLines) {
  CellSlab slab(4);
  ShardCells slot = slab.allocate(1);
  for (uint32_t s = 1; s < 4; ++s) {
    const auto* previous = reinterpret_cast<const char*>(slot.base() + (s - 1) * kShardStride);
    const auto* cell = reinterpret_cast<const char*>(slot.base() + s * kShardStride);
    EXPECT_GE(cell - previous, 64);
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(slot.base()) % 64, 0u);  // first slot of a chunk
}

TEST(StatsCellSlabTest, GrowsByChunksWithoutMovingSlots) {
  CellSlab slab(2);
  ShardCells first = slab.allocate(1);
  first.add(0, 5);
  for (size_t i = 0; i < 3 * kShardStride; ++i) slab.allocate(1);
  EXPECT_EQ(first.sum(0), 5u);
  EXPECT_EQ(slab.bytes(), 4 * 2 * kShardStride * sizeof(uint64_t));  // 3 full chunks + 1 slot
}

TEST(StatsCellSlabTest, ReleasedSlotIsZeroedInEveryShardAndReused) {
  CellSlab slab(2);
  ShardCells slot = slab.allocate(21);
  for (uint32_t s = 0; s < 2; ++s) {
    for (int i = 0; i < 21; ++i) slot.base()[s * kShardStride + i].store(7);
  }
  slab.release(slot, 21);
  EXPECT_EQ(slab.slotsInUse(), 0u);
  ShardCells again = slab.allocate(21);
  EXPECT_EQ(again.base(), slot.base());
  for (uint32_t s = 0; s < 2; ++s) {
    for (int i = 0; i < 21; ++i) EXPECT_EQ(again.base()[s * kShardStride + i].load(), 0u);
  }
  // A slot of another width does not take it.
  EXPECT_NE(slab.allocate(1).base(), slot.base());
}

}  // namespace
}  // namespace meshproxy::stats
