#include "proxy/accesslog/log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "proxy/core/log.h"

namespace meshproxy::accesslog {
namespace {

int openForAppend(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

// Writes all of `data`; returns false on an error other than EINTR/EAGAIN.
bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // stdout may have been made non-blocking by someone else (libuv does that to TTYs and
      // pipes); this is the flush thread, so waiting here is fine.
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, 1000);
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

LogSink::LogSink(int fd, bool owns_fd, std::string name, SinkLimits limits,
                 std::shared_ptr<FlushSignal> signal)
    : name_(std::move(name)),
      owns_fd_(owns_fd),
      limits_(limits),
      signal_(std::move(signal)),
      fd_(fd) {}

absl::StatusOr<std::shared_ptr<LogSink>> LogSink::openFile(std::string path, SinkLimits limits,
                                                           std::shared_ptr<FlushSignal> signal) {
  const int fd = openForAppend(path);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        fmt::format("cannot open access log file {}: {}", path, strerror(errno)));
  }
  return std::shared_ptr<LogSink>(
      new LogSink(fd, true, std::move(path), limits, std::move(signal)));
}

std::shared_ptr<LogSink> LogSink::forStream(int fd, std::string name, SinkLimits limits,
                                            std::shared_ptr<FlushSignal> signal) {
  return std::shared_ptr<LogSink>(
      new LogSink(fd, false, std::move(name), limits, std::move(signal)));
}

LogSink::~LogSink() {
  flush();
  for (std::atomic<LogLane*>& slot : lanes_) delete slot.load(std::memory_order_acquire);
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

LogLane& LogSink::lane(uint32_t shard) {
  LogLane* lane = lanes_[shard].load(std::memory_order_acquire);
  if (lane == nullptr) [[unlikely]] {
    lane = new LogLane();
    // Release: the flusher that finds the pointer sees a constructed lane.
    lanes_[shard].store(lane, std::memory_order_release);
    lane_count_.fetch_add(1, std::memory_order_relaxed);
  }
  return *lane;
}

void LogSink::append(LogLane& lane, std::string_view record) {
  // lane_count_ changes a few times in the sink's life, so this load hits a line no one writes.
  const size_t lanes = std::max<uint32_t>(1, lane_count_.load(std::memory_order_relaxed));
  switch (lane.append(record, limits_.max_buffered_bytes / lanes, limits_.flush_bytes)) {
    case LogLane::AppendResult::kAppended:
      return;
    case LogLane::AppendResult::kAppendedPastKick:
      // At most once per drain, not on every record above the threshold.
      if (signal_) signal_->kick();
      return;
    case LogLane::AppendResult::kDropped:
      dropped_records_.fetch_add(1, std::memory_order_relaxed);
      return;
  }
}

void LogSink::write(std::string_view record) {
  const uint32_t shard = threadShard();
  if (shard != 0) {
    append(lane(shard), record);
    return;
  }
  std::lock_guard lock(shared_lane_mutex_);
  append(lane(0), record);
}

void LogSink::flush() {
  std::lock_guard write_lock(write_mutex_);
  flushLocked();
}

void LogSink::flushLocked() {
  for (std::atomic<LogLane*>& slot : lanes_) {
    LogLane* lane = slot.load(std::memory_order_acquire);
    if (lane == nullptr) continue;
    lane->drain([this](std::string_view records) {
      if (writeAll(fd_, records)) return;
      const int error = errno;
      const uint64_t errors = write_errors_.fetch_add(1, std::memory_order_relaxed);
      // The first failure is worth a line in the proxy's own log; a full disk would repeat it
      // every second.
      if (errors == 0) log::error("access log {}: write failed: {}", name_, strerror(error));
    });
  }
}

absl::Status LogSink::reopen() {
  if (!owns_fd_) return absl::OkStatus();
  std::lock_guard write_lock(write_mutex_);
  flushLocked();
  const int fd = openForAppend(name_);
  if (fd < 0) {
    // Keep logging into the old file rather than losing records.
    return absl::UnavailableError(
        fmt::format("cannot reopen access log file {}: {}", name_, strerror(errno)));
  }
  ::close(fd_);
  fd_ = fd;
  return absl::OkStatus();
}

}  // namespace meshproxy::accesslog
