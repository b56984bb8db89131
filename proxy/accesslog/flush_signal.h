#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace meshproxy::accesslog {

// Wakes the access log flush thread early, when a sink's buffer passes its flush threshold.
// Shared (by shared_ptr) between the manager's thread and its sinks, so a sink that outlives
// its manager can still kick, with nobody listening.
class FlushSignal {
 public:
  void kick() {
    {
      std::lock_guard lock(mutex_);
      kicked_ = true;
    }
    cv_.notify_one();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

  // Waits until kicked, stopped or `timeout` passes. Returns false once stopped.
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return kicked_ || stopped_; });
    kicked_ = false;
    return !stopped_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool kicked_ = false;
  bool stopped_ = false;
};

}  // namespace meshproxy::accesslog
