#include "proxy/core/timer.h"

#include <vector>

namespace meshproxy {
namespace {

constexpr size_t kMaxPooledTimers = 4096;

void closeHandle(uv_timer_t* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

// One pool per thread; a thread runs one loop, but the pool checks which loop it serves.
struct TimerPool {
  uv_loop_t* loop = nullptr;
  std::vector<uv_timer_t*> free;
};
thread_local TimerPool t_pool;

}  // namespace

Timer::Timer(uv_loop_t* loop, std::function<void()> callback) : callback_(std::move(callback)) {
  if (t_pool.loop == loop && !t_pool.free.empty()) {
    handle_ = t_pool.free.back();
    t_pool.free.pop_back();
  } else {
    handle_ = new uv_timer_t;
    uv_timer_init(loop, handle_);
  }
  handle_->data = this;
}

Timer::~Timer() {
  handle_->data = nullptr;
  uv_timer_stop(handle_);
  if (t_pool.loop == nullptr) t_pool.loop = handle_->loop;
  if (t_pool.loop == handle_->loop && t_pool.free.size() < kMaxPooledTimers) {
    t_pool.free.push_back(handle_);
    return;
  }
  closeHandle(handle_);
}

void Timer::releasePool(uv_loop_t* loop) {
  if (t_pool.loop != loop) return;
  for (uv_timer_t* h : t_pool.free) closeHandle(h);
  t_pool.free.clear();
  t_pool.loop = nullptr;
}

void Timer::enable(std::chrono::milliseconds timeout) {
  uv_timer_start(handle_, &Timer::onTimer, static_cast<uint64_t>(timeout.count()), 0);
}

void Timer::enableRepeating(std::chrono::milliseconds interval) {
  auto ms = static_cast<uint64_t>(interval.count());
  uv_timer_start(handle_, &Timer::onTimer, ms, ms);
}

void Timer::disable() { uv_timer_stop(handle_); }

bool Timer::enabled() const {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_)) != 0;
}

void Timer::onTimer(uv_timer_t* handle) {
  auto* self = static_cast<Timer*>(handle->data);
  if (self != nullptr) self->callback_();
}

}  // namespace meshproxy
