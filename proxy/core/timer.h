#pragma once

#include <uv.h>

#include <chrono>
#include <functional>

#include "proxy/core/recycled.h"

namespace meshproxy {

// A one-shot (or repeating) libuv timer owned like a value. The uv handle lives on the heap
// and is freed in its close callback, so destroying the Timer inside its own callback is safe.
// Handles are recycled per thread: requests create and destroy timers at a high rate, and a
// stopped handle is reusable at once, where closing one costs a loop iteration and a free.
// Timer objects themselves are recycled the same way (Recycled).
//
// One-shot timers are lazy: a request arms a route timeout, a stream idle timeout and a pool
// idle timeout, and nearly always disarms them long before they fire. Moving a handle in and
// out of libuv's timer heap for each was the largest userland cost per request. So enable()
// only records the deadline when the handle is already due no later than that, disable()
// leaves the handle running (unreferenced, so it keeps no loop alive), and a handle that fires
// early re-arms itself for the remaining time. A handle in libuv's heap is touched about once
// per timeout period instead of twice per request.
class Timer : public Recycled<Timer> {
 public:
  Timer(uv_loop_t* loop, std::function<void()> callback);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void enable(std::chrono::milliseconds timeout);
  void enableRepeating(std::chrono::milliseconds interval);
  void disable();
  bool enabled() const;

  // Closes the handles this thread keeps for reuse on `loop` (before the loop is closed).
  static void releasePool(uv_loop_t* loop);

  // Internal (public only for the per-thread handle pool): a uv timer plus what we know of
  // its state, so the hot path needs no libuv calls to ask.
  struct Handle {
    uv_timer_t uv;         // first: the close callback frees the Handle through it
    uint64_t due_ms = 0;   // loop time it fires at, while running
    bool running = false;  // in libuv's timer heap
    bool referenced = true;
  };

 private:
  static void onTimer(uv_timer_t* handle);
  static void closeHandle(Handle* handle);

  Handle* handle_;
  std::function<void()> callback_;
  uint64_t deadline_ms_ = 0;  // loop time the one-shot callback is due at, when armed_
  bool armed_ = false;
  bool repeating_ = false;
};

}  // namespace meshproxy
