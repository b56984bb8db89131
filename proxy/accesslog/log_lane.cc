#include "proxy/accesslog/log_lane.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace meshproxy::accesslog {
namespace {

// Big enough that a block holds a hundred typical records (one allocation or spare exchange per
// hundred requests), small enough that an idle lane costs little.
constexpr size_t kBlockBytes = 32 * 1024;

}  // namespace

struct LogLane::Block {
  explicit Block(size_t cap) : capacity(cap) {}
  char* data() { return reinterpret_cast<char*>(this + 1); }

  // Set by the producer before it publishes `next`; the consumer reads them after loading a
  // non-null `next` with acquire (or, for the first block, before any thread starts).
  std::atomic<Block*> next{nullptr};
  uint64_t start = 0;  // lane position of data()[0]
  uint64_t end = 0;    // lane position past the block's last record; valid once `next` is set
  const size_t capacity;
};

LogLane::Block* LogLane::newBlock(size_t min_capacity) {
  const size_t capacity = std::max(kBlockBytes, min_capacity);
  void* raw = ::operator new(sizeof(Block) + capacity);
  return new (raw) Block(capacity);
}

void LogLane::deleteBlock(Block* block) {
  block->~Block();
  ::operator delete(block);
}

LogLane::LogLane() : tail_(newBlock(0)), head_(tail_) {}

LogLane::~LogLane() {
  for (Block* b = head_; b != nullptr;) {
    Block* next = b->next.load(std::memory_order_relaxed);
    deleteBlock(b);
    b = next;
  }
  if (Block* spare = spare_.load(std::memory_order_relaxed)) deleteBlock(spare);
}

LogLane::AppendResult LogLane::append(std::string_view record, size_t max_pending_bytes,
                                      size_t kick_bytes) {
  const uint64_t consumed = consumed_.load(std::memory_order_acquire);
  const uint64_t pending = produced_ - consumed;
  if (pending + record.size() > max_pending_bytes) return AppendResult::kDropped;

  size_t used = static_cast<size_t>(produced_ - tail_->start);
  if (used + record.size() > tail_->capacity) {
    Block* next = spare_.exchange(nullptr, std::memory_order_acquire);
    if (next == nullptr || next->capacity < record.size()) {
      if (next != nullptr) deleteBlock(next);
      next = newBlock(record.size());
    }
    next->start = produced_;
    next->end = 0;
    next->next.store(nullptr, std::memory_order_relaxed);
    tail_->end = produced_;
    // Publishes tail_->end and next->start with the link.
    tail_->next.store(next, std::memory_order_release);
    tail_ = next;
    used = 0;
  }
  std::memcpy(tail_->data() + used, record.data(), record.size());
  produced_ += record.size();
  committed_.store(produced_, std::memory_order_release);

  if (pending + record.size() < kick_bytes || consumed == consumed_at_kick_) {
    return AppendResult::kAppended;
  }
  consumed_at_kick_ = consumed;
  return AppendResult::kAppendedPastKick;
}

size_t LogLane::drain(absl::FunctionRef<void(std::string_view)> write) {
  // Load the end first: everything before it is in blocks reachable from head_, because the
  // producer links a block before it commits anything into it.
  const uint64_t committed = committed_.load(std::memory_order_acquire);
  uint64_t pos = consumed_.load(std::memory_order_relaxed);  // only this side writes it
  const uint64_t first = pos;
  while (true) {
    Block* block = head_;
    Block* next = block->next.load(std::memory_order_acquire);
    // Without a next block, everything committed is in this one. With one, this block ends at
    // `end`, but records committed after our load of `committed` are not ours to write yet.
    const uint64_t stop = next == nullptr ? committed : std::min(block->end, committed);
    if (stop > pos) {
      write(std::string_view(block->data() + (pos - block->start), stop - pos));
      pos = stop;
    }
    if (next == nullptr || pos != block->end) break;
    head_ = next;
    recycle(block);
  }
  consumed_.store(pos, std::memory_order_release);
  return static_cast<size_t>(pos - first);
}

void LogLane::recycle(Block* block) {
  if (block->capacity != kBlockBytes) {
    deleteBlock(block);
    return;
  }
  // Release: our reads of the block happen before the producer writes into it again.
  Block* previous = spare_.exchange(block, std::memory_order_acq_rel);
  if (previous != nullptr) deleteBlock(previous);
}

uint64_t LogLane::pendingBytes() const {
  return committed_.load(std::memory_order_acquire) - consumed_.load(std::memory_order_acquire);
}

}  // namespace meshproxy::accesslog
