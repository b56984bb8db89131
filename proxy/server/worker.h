#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/config/snapshot.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/core/worker_context.h"
#include "proxy/network/active_listener.h"
#include "proxy/network/listener_index.h"
#include "proxy/runtime/snapshot.h"
#include "proxy/upstream/async_http_client.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/worker_span_sinks.h"

namespace meshproxy::server {

// A worker thread: its own libuv loop, its listeners' sockets, and every connection those
// accept, from accept to close. The main thread talks to it only through the thread-safe
// methods below, which post to the loop.
class Worker : private network::ListenerIndex, private http::WorkerRouteTables::Releaser {
 public:
  Worker(uint32_t index, std::chrono::milliseconds drain_time);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  // Thread-safe. Adopts a new config snapshot: new listeners start accepting, removed ones
  // stop accepting and drain, clusters are swapped. In-flight work keeps its old config.
  void publish(config::SnapshotSharedPtr snapshot);
  // Thread-safe. Makes `snapshot` the worker thread's runtime::Snapshot::current().
  void publishRuntime(runtime::SnapshotSharedPtr snapshot);
  // Thread-safe. Host health flags of `cluster` changed (outlier detection): the worker's
  // balancer for it picks among the hosts healthy now.
  void onHostHealthChanged(std::string cluster);
  // Thread-safe. Stops accepting on every listener; open connections carry on.
  void stopAccepting();
  // Thread-safe. Stops accepting and drains the open connections (HTTP/1: Connection: close
  // on the next response; HTTP/2: GOAWAY), closing what is left after the drain time.
  void drain();
  // Thread-safe. Closes everything, stops the loop and joins the thread.
  void shutdown();

  uint32_t index() const { return index_; }

 private:
  void run();
  void applySnapshot(config::SnapshotSharedPtr snapshot);
  void reapDrained();
  network::ActiveListener* findListener(const network::Address& address) override;
  void onReleased(http::WorkerRouteTables& tables) override;
  uint64_t drainDeadline();

  const uint32_t index_;
  const std::chrono::milliseconds drain_time_;
  EventLoop loop_;
  std::thread thread_;
  std::mt19937_64 random_;
  upstream::WorkerClusterManager clusters_;
  upstream::AsyncHttpClient http_client_;
  upstream::WorkerSpanSinks span_sinks_;
  WorkerContext context_;
  // Loop-thread state.
  config::SnapshotSharedPtr snapshot_;
  // The RDS tables of snapshot_, and replaced ones still pinned by streams.
  std::unique_ptr<http::WorkerRouteTables> routes_;
  std::vector<std::unique_ptr<http::WorkerRouteTables>> retired_routes_;
  bool accepting_ = true;
  absl::flat_hash_map<const network::ListenSockets*, std::unique_ptr<network::ActiveListener>>
      listeners_;
  std::vector<std::unique_ptr<network::ActiveListener>> draining_;
  // listeners_ by bound address ("10.0.0.1:8080"), for use_original_dst.
  absl::flat_hash_map<std::string, network::ActiveListener*> by_address_;
  std::unique_ptr<Timer> reap_timer_;
};

}  // namespace meshproxy::server
