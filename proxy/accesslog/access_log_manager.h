#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/accesslog/flush_signal.h"
#include "proxy/accesslog/log_sink.h"

namespace meshproxy::accesslog {

struct AccessLogManagerOptions {
  // Envoy's default --file-flush-interval-msec.
  std::chrono::milliseconds flush_interval{1000};
  SinkLimits sink_limits;
};

// Owns every access log sink of the process and the one thread that writes them out.
//
// Sinks are shared by name: two listeners (or two config versions) logging to one path get the
// same LogSink, so their records interleave whole instead of racing on two file descriptors.
// A sink that no logger uses any more is flushed and closed by the flush thread, so the last
// reference never dies (and never does I/O) on a worker.
class AccessLogManager {
 public:
  explicit AccessLogManager(AccessLogManagerOptions options = {});
  AccessLogManager(const AccessLogManager&) = delete;
  AccessLogManager& operator=(const AccessLogManager&) = delete;
  ~AccessLogManager();  // shutdown()

  // The process-wide manager. Never destroyed (workers may log until the very end); an atexit
  // hook flushes it, and main() should call shutdown() on the way out.
  static AccessLogManager& global();

  // The sink for `path`, opened on first use. "/dev/stdout" and "/dev/stderr" map to the
  // stdout/stderr sinks, which write to fds 1/2 directly: opening /dev/stdout fails when
  // stdout is a socket (ENXIO), as it can be under some supervisors.
  absl::StatusOr<std::shared_ptr<LogSink>> fileSink(std::string_view path);
  std::shared_ptr<LogSink> stdoutSink();
  std::shared_ptr<LogSink> stderrSink();

  // Writes every sink's buffer now, on the calling thread.
  void flushAll();
  // Reopens every file sink (log rotation, SIGUSR1). Returns the first error; the other sinks
  // are still reopened.
  absl::Status reopenAll();
  // Flushes everything and stops the flush thread. Sinks keep accepting records afterwards;
  // they are then written only by flushAll() or when they are destroyed.
  void shutdown();

  size_t sinkCount() const;

 private:
  std::shared_ptr<LogSink> streamSink(int fd, const std::string& name);
  void startThreadLocked();  // mutex_ held
  void run();
  void closeUnusedSinks();

  const AccessLogManagerOptions options_;
  const std::shared_ptr<FlushSignal> signal_ = std::make_shared<FlushSignal>();

  mutable std::mutex mutex_;  // guards sinks_, thread_, shut_down_
  absl::flat_hash_map<std::string, std::shared_ptr<LogSink>> sinks_;
  std::thread thread_;  // started with the first sink
  bool shut_down_ = false;
};

}  // namespace meshproxy::accesslog
