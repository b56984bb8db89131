#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/accesslog/flush_signal.h"

namespace meshproxy::accesslog {

struct SinkLimits {
  // Wake the flush thread once this much is buffered (Envoy's min_flush_size).
  size_t flush_bytes = 64 * 1024;
  // Past this much unwritten data (the disk or the stdout reader has stalled), new records are
  // dropped and counted instead of growing memory without bound.
  size_t max_buffered_bytes = 16 * 1024 * 1024;
};

// Where formatted records go: an append-only file, or the process's stdout/stderr.
//
// Workers call write(), which only appends to an in-memory buffer; the flush thread (see
// AccessLogManager) calls flush(), which does the write(2). So a slow disk or a blocked stdout
// pipe never stalls a worker's event loop.
//
// write() takes a mutex around a string append. That is acceptable because the critical section
// is a memcpy of one record (hundreds of bytes) and the flush thread holds the same mutex only
// to swap buffers, never across I/O, so a worker waits at most for another worker's memcpy.
// Per-worker lock-free buffers would avoid even that, at the cost of registering workers with
// every sink; revisit if a profile ever shows this lock.
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

  // Buffers one record (already newline-terminated). Thread-safe, never does I/O.
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

  const std::string name_;  // the path, or "stdout"/"stderr"
  const bool owns_fd_;
  const SinkLimits limits_;
  const std::shared_ptr<FlushSignal> signal_;

  // Lock order: write_mutex_ before buffer_mutex_.
  std::mutex buffer_mutex_;  // guards buffer_
  std::string buffer_;       // records not yet handed to the flusher
  std::mutex write_mutex_;   // guards fd_ and pending_; serializes flushes and reopen
  int fd_;
  std::string pending_;  // the buffer being written; swapped with buffer_ to keep capacity

  std::atomic<uint64_t> dropped_records_{0};
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace meshproxy::accesslog
