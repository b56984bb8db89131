#include "proxy/core/timer.h"

#include <vector>

namespace meshproxy {
namespace {

constexpr size_t kMaxPooledTimers = 4096;

}  // namespace

// One pool per thread; a thread runs one loop, but the pool checks which loop it serves.
struct TimerPool {
  uv_loop_t* loop = nullptr;
  std::vector<Timer::Handle*> free;
};
static thread_local TimerPool t_pool;

void Timer::closeHandle(Handle* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(&handle->uv),
           [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
}

Timer::Timer(uv_loop_t* loop, std::function<void()> callback) : callback_(std::move(callback)) {
  if (t_pool.loop == loop && !t_pool.free.empty()) {
    // Possibly still running toward an old deadline (see the class comment): it fires into
    // onTimer, which finds this timer unarmed, or re-arms it if enable() came meanwhile.
    handle_ = t_pool.free.back();
    t_pool.free.pop_back();
  } else {
    handle_ = new Handle;
    uv_timer_init(loop, &handle_->uv);
  }
  handle_->uv.data = this;
}

Timer::~Timer() {
  handle_->uv.data = nullptr;
  if (repeating_) {
    uv_timer_stop(&handle_->uv);
    handle_->running = false;
  } else if (handle_->running && handle_->referenced) {
    uv_unref(reinterpret_cast<uv_handle_t*>(&handle_->uv));
    handle_->referenced = false;
  }
  uv_loop_t* loop = handle_->uv.loop;
  if (t_pool.loop == nullptr) t_pool.loop = loop;
  if (t_pool.loop == loop && t_pool.free.size() < kMaxPooledTimers) {
    t_pool.free.push_back(handle_);
    return;
  }
  closeHandle(handle_);
}

void Timer::releasePool(uv_loop_t* loop) {
  if (t_pool.loop != loop) return;
  for (Handle* h : t_pool.free) closeHandle(h);
  t_pool.free.clear();
  t_pool.loop = nullptr;
}

void Timer::enable(std::chrono::milliseconds timeout) {
  const auto ms = static_cast<uint64_t>(timeout.count());
  const uint64_t now = uv_now(handle_->uv.loop);
  deadline_ms_ = now + ms;
  armed_ = true;
  if (!handle_->referenced) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&handle_->uv));
    handle_->referenced = true;
  }
  // Already due no later than the new deadline: onTimer re-arms for the rest when it fires.
  if (!repeating_ && handle_->running && handle_->due_ms <= deadline_ms_) return;
  repeating_ = false;
  uv_timer_start(&handle_->uv, &Timer::onTimer, ms, 0);
  handle_->running = true;
  handle_->due_ms = deadline_ms_;
}

void Timer::enableRepeating(std::chrono::milliseconds interval) {
  auto ms = static_cast<uint64_t>(interval.count());
  armed_ = false;
  repeating_ = true;
  if (!handle_->referenced) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&handle_->uv));
    handle_->referenced = true;
  }
  uv_timer_start(&handle_->uv, &Timer::onTimer, ms, ms);
  handle_->running = true;
}

void Timer::disable() {
  armed_ = false;
  if (repeating_) {
    repeating_ = false;
    uv_timer_stop(&handle_->uv);
    handle_->running = false;
  } else if (handle_->running && handle_->referenced) {
    // Left running toward its old deadline; unreferenced, it keeps no loop alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(&handle_->uv));
    handle_->referenced = false;
  }
}

bool Timer::enabled() const { return armed_ || repeating_; }

void Timer::onTimer(uv_timer_t* uv) {
  auto* handle = reinterpret_cast<Handle*>(uv);
  auto* self = static_cast<Timer*>(uv->data);
  if (self != nullptr && self->repeating_) {
    self->callback_();
    return;
  }
  handle->running = false;  // a one-shot handle is out of libuv's heap once it fires
  if (self == nullptr || !self->armed_) return;
  const uint64_t now = uv_now(uv->loop);
  if (now < self->deadline_ms_) {
    uv_timer_start(uv, &Timer::onTimer, self->deadline_ms_ - now, 0);
    handle->running = true;
    handle->due_ms = self->deadline_ms_;
    return;
  }
  self->armed_ = false;
  self->callback_();
}

}  // namespace meshproxy
