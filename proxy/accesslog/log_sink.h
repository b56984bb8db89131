#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/accesslog/flush_signal.h"
#include "proxy/accesslog/log_lane.h"
#include "proxy/core/thread_shard.h"

namespace meshproxy::accesslog {

struct SinkLimits {
  // Wake the flush thread once this much is buffered by one writer thread (Envoy's
  // min_flush_size).
  size_t flush_bytes = 64 * 1024;
  // Past this much unwritten data (the disk or the stdout reader has stalled), new records are
  // dropped and counted instead of growing memory without bound. Shared equally by the threads
  // that write to the sink: each may buffer max_buffered_bytes / (writer threads so far).
  size_t max_buffered_bytes = 16 * 1024 * 1024;
};

// Where formatted records go: an append-only file, or the process's stdout/stderr.
//
// Workers call write(), which only appends to an in-memory buffer; the flush thread (see
// AccessLogManager) calls flush(), which does the write(2). So a slow disk or a blocked stdout
// pipe never stalls a worker's event loop.
//
// Each worker thread appends to a lane of its own (log_lane.h: a lock-free single-producer,
// single-consumer queue of blocks), found by its thread shard (core/thread_shard.h): a write
// takes no lock and touches no cache line another worker writes. Threads without a shard (main,
// tests) share lane 0 under a mutex. flush() drains the lanes one after the other, so a record
// is never split, each thread's records keep their order, and records of different threads
// interleave at record boundaries in an order decided by the flush.
class LogSink {
 public:
  // Opens `path` for appending, creating it (mode 0644) if missing.
  static absl::StatusOr<std::shared_ptr<LogSink>> openFile(std::string path, SinkLimits limits,
                                                           std::shared_ptr<FlushSignal> signal);
  // Writes to `fd` without owning it (stdout, stderr); `name` is for messages.
  static std::shared_ptr<LogSink> forStream(int fd, std::string name, SinkLimits limits,
                                            std::shared_ptr<FlushSignal> signal);

  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;
  // Writes what is still buffered.
  ~LogSink();

  // Buffers one record (already newline-terminated). Thread-safe, never does I/O; lock-free on
  // threads that hold a thread shard.
  void write(std::string_view record);

  // Writes everything buffered so far. Thread-safe; records keep their order even when the
  // flush thread and flushAll() race.
  void flush();

  // Flushes into the current file, then opens `path` again: after logrotate renamed the file,
  // new records go to a fresh one. A no-op for stdout/stderr.
  absl::Status reopen();

  const std::string& name() const { return name_; }
  uint64_t droppedRecords() const { return dropped_records_.load(std::memory_order_relaxed); }
  uint64_t writeErrors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  LogSink(int fd, bool owns_fd, std::string name, SinkLimits limits,
          std::shared_ptr<FlushSignal> signal);
  void flushLocked();  // write_mutex_ held
  // The calling thread's lane, created on its first record. Only the thread that holds
  // `shard` (or, for shard 0, holds shared_lane_mutex_) calls this for that shard.
  LogLane& lane(uint32_t shard);
  void append(LogLane& lane, std::string_view record);

  const std::string name_;  // the path, or "stdout"/"stderr"
  const bool owns_fd_;
  const SinkLimits limits_;
  const std::shared_ptr<FlushSignal> signal_;

  // By thread shard. A lane is created by its writer thread and freed with the sink.
  std::array<std::atomic<LogLane*>, kMaxThreadShards> lanes_{};
  std::atomic<uint32_t> lane_count_{0};
  std::mutex shared_lane_mutex_;  // serializes writers to lanes_[0]

  std::mutex write_mutex_;  // guards fd_; serializes flushes (the lanes' consumer) and reopen
  int fd_;

  std::atomic<uint64_t> dropped_records_{0};
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace meshproxy::accesslog
