#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace meshproxy::accesslog {

// The records one writer thread has buffered for one sink, waiting for the flusher: a queue of
// byte blocks with one producer (the writer) and one consumer (the flusher), handed over without
// a lock.
//
// Positions count bytes since the lane was created. The producer copies a whole record into its
// tail block and then publishes the new end with a release store of `committed_`; the consumer
// reads `committed_` with acquire, so it only ever sees whole records, in the order they were
// appended, and publishes what it has written in `consumed_`. Neither position is written by
// more than one thread, so an append is a memcpy and two plain stores, with no read-modify-write
// and no cache line written by another worker.
//
// A full block is sealed (its end recorded) and linked to a new one; the consumer frees a block
// once it has written it and the producer has moved past it, keeping one spare for the producer
// to reuse, so a steady stream of records allocates nothing.
//
// Threads: append() from one thread at a time (the caller serializes, or only one thread ever
// appends); drain() from one thread at a time; the two run concurrently.
class LogLane {
 public:
  LogLane();
  ~LogLane();  // the caller guarantees neither side runs any more
  LogLane(const LogLane&) = delete;
  LogLane& operator=(const LogLane&) = delete;

  enum class AppendResult {
    kAppended,
    // Appended, the unwritten bytes are at least `kick_bytes`, and the flusher has drained
    // something since the last kAppendedPastKick (or there was none): wake the flusher. So a
    // busy writer wakes it at most once per drain, and never waits for the flush interval
    // with kick_bytes pending.
    kAppendedPastKick,
    // Not appended: the unwritten bytes would exceed `max_pending_bytes`.
    kDropped,
  };

  // Producer. `record` is one whole record.
  AppendResult append(std::string_view record, size_t max_pending_bytes, size_t kick_bytes);

  // Consumer. Calls `write` with each run of whole records appended so far, oldest first, then
  // marks them written (whether or not `write` succeeded: a failed write loses the records, as
  // it would with any buffer). Returns the number of bytes handed to `write`.
  size_t drain(absl::FunctionRef<void(std::string_view)> write);

  // Bytes appended and not yet drained; exact only when called from the producer.
  uint64_t pendingBytes() const;

 private:
  struct Block;
  static Block* newBlock(size_t min_capacity);
  static void deleteBlock(Block* block);
  void recycle(Block* block);  // consumer

  // Producer side.
  Block* tail_;
  uint64_t produced_ = 0;
  uint64_t consumed_at_kick_ = UINT64_MAX;  // consumed_ when the producer last asked for a kick

  // Written by the producer, read by the consumer, and the reverse; separate lines so the
  // producer's stores do not slow the consumer's, and so neither shares a line with the
  // producer's private fields above.
  alignas(64) std::atomic<uint64_t> committed_{0};
  alignas(64) std::atomic<uint64_t> consumed_{0};
  std::atomic<Block*> spare_{nullptr};  // consumer -> producer, exchanged once per block

  // Consumer side.
  alignas(64) Block* head_;
};

}  // namespace meshproxy::accesslog
