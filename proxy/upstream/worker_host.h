#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "proxy/upstream/conn_pool.h"
#include "proxy/upstream/host.h"

namespace meshproxy::upstream {
// One worker's state for one host: what its load balancer counts and the connections it
// pools. Owned by the worker's WorkerCluster (shared with the cluster's successor when a
// rebuild keeps the host, so the pools survive); touched by that worker's thread only.
class WorkerHost {
 public:
  explicit WorkerHost(HostSharedPtr host);
  ~WorkerHost();
  WorkerHost(const WorkerHost&) = delete;
  WorkerHost& operator=(const WorkerHost&) = delete;

  const Host& host() const { return *host_; }
  const HostSharedPtr& sharedHost() const { return host_; }

  // Requests in flight from this worker to the host (LEAST_REQUEST reads it). Counted per
  // attempt, from its start until its response completes or it fails.
  uint32_t active_requests = 0;
  // Holders of a HostPin: an ORIGINAL_DST host is not swept while pinned.
  uint32_t pins() const { return pins_; }

  // The pool for `key`, or null (WorkerCluster::httpPool makes them).
  ConnPool* pool(const PoolKey& key) const {
    for (const auto& pool : pools_) {
      if (pool->key() == key) return pool.get();
    }
    return nullptr;
  }
  const absl::InlinedVector<std::unique_ptr<ConnPool>, 1>& pools() const { return pools_; }
  ConnPool& addPool(std::unique_ptr<ConnPool> pool) {
    pools_.push_back(std::move(pool));
    return *pools_.back();
  }

 private:
  friend class HostPin;
  HostSharedPtr host_;
  // One per (protocol, transport options) in use: usually one.
  absl::InlinedVector<std::unique_ptr<ConnPool>, 1> pools_;
  uint32_t pins_ = 0;
};

using WorkerHostSharedPtr = std::shared_ptr<WorkerHost>;
using WorkerHostVector = std::vector<WorkerHostSharedPtr>;

// Keeps a WorkerHost (and so its Host) from being swept while a request or connection uses
// it. Move-only; a plain counter on the worker's own memory, no atomics.
class HostPin {
 public:
  HostPin() = default;
  explicit HostPin(WorkerHost& host) : host_(&host) { ++host.pins_; }
  HostPin(HostPin&& other) noexcept : host_(std::exchange(other.host_, nullptr)) {}
  HostPin& operator=(HostPin&& other) noexcept {
    if (this != &other) {
      reset();
      host_ = std::exchange(other.host_, nullptr);
    }
    return *this;
  }
  HostPin(const HostPin&) = delete;
  HostPin& operator=(const HostPin&) = delete;
  ~HostPin() { reset(); }

  void reset() {
    if (host_ != nullptr) --std::exchange(host_, nullptr)->pins_;
  }
  WorkerHost* get() const { return host_; }
  WorkerHost* operator->() const { return host_; }
  WorkerHost& operator*() const { return *host_; }
  explicit operator bool() const { return host_ != nullptr; }

 private:
  WorkerHost* host_ = nullptr;
};

}  // namespace meshproxy::upstream
