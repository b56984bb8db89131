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

namespace {
uv_handle_t* asHandle(uv_timer_t* h) { return reinterpret_cast<uv_handle_t*>(h); }
bool active(uv_timer_t* h) { return uv_is_active(asHandle(h)) != 0; }
}  // namespace

Timer::Timer(uv_loop_t* loop, std::function<void()> callback) : callback_(std::move(callback)) {
  if (t_pool.loop == loop && !t_pool.free.empty()) {
    // Possibly still running toward an old deadline (see the class comment): it fires into
    // onTimer, which finds this timer unarmed, or re-arms it if enable() came meanwhile.
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
  if (repeating_) {
    uv_timer_stop(handle_);
  } else if (active(handle_)) {
    uv_unref(asHandle(handle_));
  }
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
  const auto ms = static_cast<uint64_t>(timeout.count());
  const uint64_t now = uv_now(handle_->loop);
  deadline_ms_ = now + ms;
  armed_ = true;
  uv_ref(asHandle(handle_));
  // Already due no later than the new deadline: onTimer re-arms for the rest when it fires.
  if (!repeating_ && active(handle_) && now + uv_timer_get_due_in(handle_) <= deadline_ms_) return;
  repeating_ = false;
  uv_timer_start(handle_, &Timer::onTimer, ms, 0);
}

void Timer::enableRepeating(std::chrono::milliseconds interval) {
  auto ms = static_cast<uint64_t>(interval.count());
  armed_ = false;
  repeating_ = true;
  uv_ref(asHandle(handle_));
  uv_timer_start(handle_, &Timer::onTimer, ms, ms);
}

void Timer::disable() {
  armed_ = false;
  if (repeating_) {
    repeating_ = false;
    uv_timer_stop(handle_);
  } else if (active(handle_)) {
    uv_unref(asHandle(handle_));
  }
}

bool Timer::enabled() const { return armed_ || repeating_; }

void Timer::onTimer(uv_timer_t* handle) {
  auto* self = static_cast<Timer*>(handle->data);
  if (self == nullptr) return;
  if (self->repeating_) {
    self->callback_();
    return;
  }
  if (!self->armed_) return;
  const uint64_t now = uv_now(handle->loop);
  if (now < self->deadline_ms_) {
    uv_timer_start(handle, &Timer::onTimer, self->deadline_ms_ - now, 0);
    return;
  }
  self->armed_ = false;
  self->callback_();
}

}  // namespace meshproxy
