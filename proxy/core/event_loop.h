#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace meshproxy {

// Something whose destruction must wait until the current callback stack has unwound
// (a connection that closes itself from inside its own read callback, say).
class DeferredDeletable {
 public:
  virtual ~DeferredDeletable() = default;
};

// Something with output to push at the end of the current loop phase (a connection's
// write queue): all writes made while handling one event leave in one syscall.
class DeferredFlush {
 public:
  virtual ~DeferredFlush() = default;
  virtual void flushDeferred() = 0;
};

// One libuv loop and the means to reach it from other threads. Each worker owns one; the
// main thread owns one for xDS, admin and signals. Everything but post() and stop() must
// be called on the loop's own thread.
class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uv_loop_t* uv() { return &loop_; }

  // Thread-safe: queues fn to run on the loop thread. The only cross-thread path into a
  // loop, used for config publication and shutdown, never per request.
  void post(std::function<void()> fn);
  // Thread-safe: makes run() return after the current iteration.
  void stop();
  // Runs until stop(); then closes every handle still open and runs their close callbacks.
  void run();

  // Destroys the object after the current callbacks return (next loop iteration).
  void deferredDelete(std::unique_ptr<DeferredDeletable> object);

  // Calls target->flushDeferred() before the loop next waits for I/O (or right after the
  // current I/O callbacks). Idempotent per target until it runs; cancel before destroying.
  void scheduleFlush(DeferredFlush* target);
  void cancelFlush(DeferredFlush* target);

  // Cached loop time in milliseconds (uv_now): cheap, updated once per iteration.
  uint64_t nowMs() const { return uv_now(const_cast<uv_loop_t*>(&loop_)); }

 private:
  static void onAsync(uv_async_t* handle);
  static void onCheck(uv_check_t* handle);
  static void onPrepare(uv_prepare_t* handle);
  void runFlushes();
  void drainPosted();
  void clearDeferred();

  uv_loop_t loop_;
  uv_async_t async_;
  uv_check_t check_;
  uv_prepare_t prepare_;
  std::vector<DeferredFlush*> flushes_;
  // std::mutex rather than absl::Mutex: Debian's prebuilt abseil is not ThreadSanitizer-
  // instrumented, so TSan would not see absl::Mutex's happens-before and report post() and
  // drainPosted() as a race.
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;  // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_;
  // Batches being run, kept so their capacity is reused every iteration (runFlushes and
  // clearDeferred used to allocate a fresh vector per iteration and regrow the queue).
  std::vector<DeferredFlush*> flush_batch_;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_batch_;
  bool running_flushes_ = false;
  bool clearing_deferred_ = false;
  // Between this iteration's prepare and check phases: the check phase is still to come, so
  // deferredDelete() needs no wake-up (an eventfd write and read per loop iteration).
  bool check_ahead_ = false;
};

}  // namespace meshproxy
