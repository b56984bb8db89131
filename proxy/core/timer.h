#pragma once

#include <uv.h>

#include <chrono>
#include <functional>

namespace meshproxy {

// A one-shot (or repeating) libuv timer owned like a value. The uv handle lives on the heap
// and is freed in its close callback, so destroying the Timer inside its own callback is safe.
// Handles are recycled per thread: requests create and destroy timers at a high rate, and a
// stopped handle is reusable at once, where closing one costs a loop iteration and a free.
class Timer {
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

 private:
  static void onTimer(uv_timer_t* handle);

  uv_timer_t* handle_;
  std::function<void()> callback_;
};

}  // namespace meshproxy
