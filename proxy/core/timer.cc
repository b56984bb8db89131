#include "proxy/core/timer.h"

namespace meshproxy {

Timer::Timer(uv_loop_t* loop, std::function<void()> callback)
    : handle_(new uv_timer_t), callback_(std::move(callback)) {
  uv_timer_init(loop, handle_);
  handle_->data = this;
}

Timer::~Timer() {
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
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
