#include "proxy/core/event_loop.h"

#include <cstdlib>

#include "proxy/core/log.h"
#include "proxy/core/timer.h"

namespace meshproxy {

EventLoop::EventLoop() {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) {
    log::critical("uv_loop_init failed: {}", uv_strerror(rc));
    std::abort();
  }
  uv_async_init(&loop_, &async_, &EventLoop::onAsync);
  async_.data = this;
  uv_check_init(&loop_, &check_);
  check_.data = this;
  // The check handle runs after each poll phase; it must not keep the loop alive by itself.
  uv_check_start(&check_, &EventLoop::onCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, &EventLoop::onPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
}

EventLoop::~EventLoop() {
  clearDeferred();
  Timer::releasePool(&loop_);
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&async_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  }
  // Let pending close callbacks run (they free handle memory). NOWAIT, a bounded number of
  // times: a handle someone forgot to close must not hang the process at exit.
  for (int i = 0; i < 16 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop_) != 0) {
    log::debug("event loop closed with handles still open");
  }
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void EventLoop::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  uv_async_send(&async_);
}

void EventLoop::run() { uv_run(&loop_, UV_RUN_DEFAULT); }

void EventLoop::deferredDelete(std::unique_ptr<DeferredDeletable> object) {
  deferred_.push_back(std::move(object));
  // Make sure the loop wakes up to run the check handle even if nothing else is pending;
  // from an I/O callback the check phase of this iteration comes anyway.
  if (!check_ahead_) uv_async_send(&async_);
}

void EventLoop::onAsync(uv_async_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  self->drainPosted();
}

void EventLoop::onCheck(uv_check_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  self->check_ahead_ = false;
  self->runFlushes();
  self->clearDeferred();
}

void EventLoop::onPrepare(uv_prepare_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  self->runFlushes();
  // uv_run: prepare, poll (I/O callbacks), then check, in the same iteration.
  self->check_ahead_ = true;
}

void EventLoop::scheduleFlush(DeferredFlush* target) { flushes_.push_back(target); }

void EventLoop::cancelFlush(DeferredFlush* target) { std::erase(flushes_, target); }

void EventLoop::runFlushes() {
  // A flush can schedule more (a write triggers a watermark callback that writes): repeat.
  if (running_flushes_) {  // re-entered: run on a local batch
    while (!flushes_.empty()) {
      std::vector<DeferredFlush*> batch;
      batch.swap(flushes_);
      for (DeferredFlush* f : batch) f->flushDeferred();
    }
    return;
  }
  running_flushes_ = true;
  while (!flushes_.empty()) {
    flush_batch_.swap(flushes_);
    for (DeferredFlush* f : flush_batch_) f->flushDeferred();
    flush_batch_.clear();
  }
  running_flushes_ = false;
}

void EventLoop::drainPosted() {
  std::vector<std::function<void()>> batch;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
    stopping = stopping_;
  }
  for (auto& fn : batch) fn();
  runFlushes();
  clearDeferred();
  if (stopping) uv_stop(&loop_);
}

void EventLoop::clearDeferred() {
  // Destructors may defer more objects; loop until none are left.
  if (clearing_deferred_) {  // re-entered from a destructor: a local batch
    while (!deferred_.empty()) {
      std::vector<std::unique_ptr<DeferredDeletable>> batch;
      batch.swap(deferred_);
      batch.clear();
    }
    return;
  }
  clearing_deferred_ = true;
  while (!deferred_.empty()) {
    deferred_batch_.swap(deferred_);
    deferred_batch_.clear();
  }
  clearing_deferred_ = false;
}

}  // namespace meshproxy
