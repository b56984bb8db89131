#include "proxy/stats/cell_slab.h"

#include <new>

namespace meshproxy::stats {
namespace {

// Chunks start on a cache line; with kShardStride a multiple of 8 cells, every shard's part
// does too, so two shards never share a line.
constexpr std::align_val_t kChunkAlignment{64};
static_assert(kShardStride % 8 == 0);

}  // namespace

void CellSlab::ChunkDeleter::operator()(std::atomic<uint64_t>* cells) const {
  ::operator delete[](cells, kChunkAlignment);
}

CellSlab::CellSlab(uint32_t shards) : shards_(shards == 0 ? 1 : shards) {}

CellSlab::~CellSlab() = default;

ShardCells CellSlab::allocate(uint32_t width) {
  ++in_use_;
  auto& released = released_[width];
  if (!released.empty()) {
    std::atomic<uint64_t>* base = released.back();
    released.pop_back();
    return ShardCells(base, shards_);
  }
  if (next_free_ + width > kShardStride) {
    // The tail of the previous chunk (fewer than `width` cells) stays unused.
    const size_t cells = size_t{shards_} * kShardStride;
    auto* raw = static_cast<std::atomic<uint64_t>*>(
        ::operator new[](cells * sizeof(std::atomic<uint64_t>), kChunkAlignment));
    for (size_t i = 0; i < cells; ++i) new (&raw[i]) std::atomic<uint64_t>(0);
    chunks_.emplace_back(raw);
    next_free_ = 0;
  }
  std::atomic<uint64_t>* base = chunks_.back().get() + next_free_;
  next_free_ += width;
  return ShardCells(base, shards_);
}

void CellSlab::release(const ShardCells& cells, uint32_t width) {
  for (uint32_t s = 0; s < shards_; ++s) {
    for (uint32_t i = 0; i < width; ++i) {
      cells.base()[s * kShardStride + i].store(0, std::memory_order_relaxed);
    }
  }
  released_[width].push_back(cells.base());
  --in_use_;
}

size_t CellSlab::bytes() const {
  return chunks_.size() * shards_ * kShardStride * sizeof(std::atomic<uint64_t>);
}

}  // namespace meshproxy::stats
