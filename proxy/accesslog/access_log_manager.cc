#include "proxy/accesslog/access_log_manager.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "proxy/core/log.h"

namespace meshproxy::accesslog {
namespace {

constexpr std::string_view kStdoutName = "stdout";
constexpr std::string_view kStderrName = "stderr";

}  // namespace

AccessLogManager::AccessLogManager(AccessLogManagerOptions options) : options_(options) {}

AccessLogManager::~AccessLogManager() { shutdown(); }

AccessLogManager& AccessLogManager::global() {
  static AccessLogManager* const manager = [] {
    auto* m = new AccessLogManager();
    // Covers exit() paths that skip main()'s shutdown(); flushAll() is safe to run twice.
    std::atexit([] { AccessLogManager::global().flushAll(); });
    return m;
  }();
  return *manager;
}

absl::StatusOr<std::shared_ptr<LogSink>> AccessLogManager::fileSink(std::string_view path) {
  if (path == "/dev/stdout") return stdoutSink();
  if (path == "/dev/stderr") return stderrSink();
  std::lock_guard lock(mutex_);
  const std::string key(path);
  auto it = sinks_.find(key);
  if (it != sinks_.end()) return it->second;
  absl::StatusOr<std::shared_ptr<LogSink>> sink =
      LogSink::openFile(key, options_.sink_limits, signal_);
  if (!sink.ok()) return sink.status();
  sinks_.emplace(key, *sink);
  startThreadLocked();
  return sink;
}

std::shared_ptr<LogSink> AccessLogManager::stdoutSink() {
  return streamSink(STDOUT_FILENO, std::string(kStdoutName));
}

std::shared_ptr<LogSink> AccessLogManager::stderrSink() {
  return streamSink(STDERR_FILENO, std::string(kStderrName));
}

std::shared_ptr<LogSink> AccessLogManager::streamSink(int fd, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = sinks_.find(name);
  if (it != sinks_.end()) return it->second;
  auto sink = LogSink::forStream(fd, name, options_.sink_limits, signal_);
  sinks_.emplace(name, sink);
  startThreadLocked();
  return sink;
}

void AccessLogManager::startThreadLocked() {
  if (thread_.joinable() || shut_down_) return;
  thread_ = std::thread([this] { run(); });
}

void AccessLogManager::run() {
  log::setThreadName("access_log_flush");
  while (signal_->wait(options_.flush_interval)) {
    flushAll();
    closeUnusedSinks();
  }
}

void AccessLogManager::flushAll() {
  // Copy the list so no flush, which may block on I/O, holds mutex_.
  std::vector<std::shared_ptr<LogSink>> sinks;
  {
    std::lock_guard lock(mutex_);
    sinks.reserve(sinks_.size());
    for (const auto& [name, sink] : sinks_) sinks.push_back(sink);
  }
  for (const auto& sink : sinks) sink->flush();
}

void AccessLogManager::closeUnusedSinks() {
  std::vector<std::shared_ptr<LogSink>> unused;
  {
    std::lock_guard lock(mutex_);
    // use_count() is exact here: only sinks_ holds the sink, and taking another reference to
    // it requires mutex_.
    for (auto it = sinks_.begin(); it != sinks_.end();) {
      if (it->second.use_count() == 1) {
        unused.push_back(std::move(it->second));
        sinks_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  unused.clear();  // destructors flush and close, outside mutex_
}

absl::Status AccessLogManager::reopenAll() {
  std::vector<std::shared_ptr<LogSink>> sinks;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, sink] : sinks_) sinks.push_back(sink);
  }
  absl::Status first_error;
  for (const auto& sink : sinks) {
    absl::Status status = sink->reopen();
    if (!status.ok()) {
      log::error("{}", std::string_view(status.message().data(), status.message().size()));
      if (first_error.ok()) first_error = status;
    }
  }
  return first_error;
}

void AccessLogManager::shutdown() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    thread = std::move(thread_);
  }
  signal_->stop();
  if (thread.joinable()) thread.join();
  flushAll();
}

size_t AccessLogManager::sinkCount() const {
  std::lock_guard lock(mutex_);
  return sinks_.size();
}

}  // namespace meshproxy::accesslog
