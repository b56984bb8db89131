#include "proxy/server/worker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"
#include "proxy/core/thread_shard.h"

namespace meshproxy::server {

Worker::Worker(uint32_t index, std::chrono::milliseconds drain_time)
    : index_(index),
      drain_time_(drain_time),
      random_(std::random_device{}()),
      clusters_(loop_, index_, random_(), random_),
      http_client_(clusters_),
      span_sinks_(loop_, http_client_),
      context_{loop_, index_, clusters_, random_} {
  context_.listener_index = this;
  context_.http_client = &http_client_;
  context_.span_sinks = &span_sinks_;
}

Worker::~Worker() { shutdown(); }

void Worker::start() {
  thread_ = std::thread([this]() { run(); });
}

void Worker::run() {
  // This thread's own copy of every counter and histogram, and its own access log lanes, for
  // the thread's whole life (core/thread_shard.h).
  ThreadShardClaim shard;
  log::setThreadName(absl::StrCat("worker_", index_));
  log::debug("worker {} started (thread shard {})", index_, shard.index());
  // Removed listeners linger until their last connection closes; check once a second.
  reap_timer_ = std::make_unique<Timer>(loop_.uv(), [this]() { reapDrained(); });
  reap_timer_->enableRepeating(std::chrono::milliseconds(250));
  loop_.run();
  reap_timer_.reset();
  // Tear down on this thread: connections and listeners close their handles here, and the
  // loop runs their close callbacks before the thread exits.
  by_address_.clear();
  listeners_.clear();
  draining_.clear();
  // Export queues close their flush timers on this thread and drop what they hold.
  span_sinks_.clear();
  http_client_.cancelAll();
  clusters_.update({});
  snapshot_.reset();
  runtime::Snapshot::setCurrent(nullptr);
  Timer::releasePool(loop_.uv());
  for (int i = 0; i < 16 && uv_loop_alive(loop_.uv()) != 0; ++i) uv_run(loop_.uv(), UV_RUN_NOWAIT);
  log::debug("worker {} stopped", index_);
}

void Worker::publish(config::SnapshotSharedPtr snapshot) {
  loop_.post([this, snapshot = std::move(snapshot)]() mutable { applySnapshot(std::move(snapshot)); });
}

void Worker::publishRuntime(runtime::SnapshotSharedPtr snapshot) {
  loop_.post([snapshot = std::move(snapshot)]() mutable {
    runtime::Snapshot::setCurrent(std::move(snapshot));
  });
}

void Worker::applySnapshot(config::SnapshotSharedPtr snapshot) {
  clusters_.update(snapshot->clusters);
  absl::flat_hash_map<const network::ListenSockets*, std::unique_ptr<network::ActiveListener>> next;
  for (const auto& handle : snapshot->listeners) {
    const network::ListenSockets* key = handle.sockets.get();
    auto it = listeners_.find(key);
    if (it != listeners_.end()) {
      if (&it->second->config() != handle.config.get()) {
        // Same address, new config: keep the socket (no connection is refused during the
        // change), give new connections the new config, drain the old ones.
        it->second->updateConfig(handle.config, drainDeadline());
      }
      next.emplace(key, std::move(it->second));
      listeners_.erase(it);
      continue;
    }
    auto listener = std::make_unique<network::ActiveListener>(context_, handle.config, handle.sockets);
    if (accepting_ && !listener->start()) continue;
    next.emplace(key, std::move(listener));
  }
  // What is left was removed or replaced: stop accepting, let its connections finish.
  for (auto& [key, listener] : listeners_) {
    listener->stopAccepting();
    listener->drainConnections(drainDeadline());
    draining_.push_back(std::move(listener));
  }
  listeners_ = std::move(next);
  by_address_.clear();
  for (auto& [key, listener] : listeners_) {
    by_address_[listener->sockets()->address().str()] = listener.get();
  }
  snapshot_ = std::move(snapshot);
  if (routes_ != nullptr && routes_->pins() > 0) {
    routes_->retire();
    retired_routes_.push_back(std::move(routes_));
  }
  http::WorkerRouteTables::Releaser& releaser = *this;
  routes_ = std::make_unique<http::WorkerRouteTables>(releaser, snapshot_, snapshot_->routes);
  context_.routes = routes_.get();
  reapDrained();
}

void Worker::onReleased(http::WorkerRouteTables& tables) {
  auto it = std::find_if(retired_routes_.begin(), retired_routes_.end(),
                         [&](const auto& t) { return t.get() == &tables; });
  if (it == retired_routes_.end()) return;
  // The last pin is released from inside a stream's teardown.
  loop_.deferredDelete(std::move(*it));
  retired_routes_.erase(it);
}

network::ActiveListener* Worker::findListener(const network::Address& address) {
  if (auto it = by_address_.find(address.str()); it != by_address_.end()) return it->second;
  std::string wildcard = address.family() == AF_INET6
                             ? absl::StrCat("[::]:", address.port())
                             : absl::StrCat("0.0.0.0:", address.port());
  auto it = by_address_.find(wildcard);
  return it == by_address_.end() ? nullptr : it->second;
}

uint64_t Worker::drainDeadline() { return loop_.nowMs() + static_cast<uint64_t>(drain_time_.count()); }

void Worker::reapDrained() {
  uint64_t now = loop_.nowMs();
  for (auto& [key, listener] : listeners_) listener->closeExpired(now);
  for (auto& listener : draining_) listener->closeExpired(now);
  std::erase_if(draining_, [](const auto& l) { return l->connectionCount() == 0; });
}

void Worker::onHostHealthChanged(std::string cluster) {
  loop_.post([this, cluster = std::move(cluster)]() { clusters_.onHostHealthChanged(cluster); });
}

void Worker::stopAccepting() {
  loop_.post([this]() {
    accepting_ = false;
    for (auto& [key, listener] : listeners_) listener->stopAccepting();
  });
}

void Worker::drain() {
  loop_.post([this]() {
    accepting_ = false;
    for (auto& [key, listener] : listeners_) {
      listener->stopAccepting();
      listener->drainConnections(drainDeadline());
    }
  });
}

void Worker::shutdown() {
  if (!thread_.joinable()) return;
  loop_.post([this]() {
    for (auto& [key, listener] : listeners_) listener->closeAllConnections();
    for (auto& listener : draining_) listener->closeAllConnections();
  });
  loop_.stop();
  thread_.join();
}

}  // namespace meshproxy::server
