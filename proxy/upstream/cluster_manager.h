#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/timer.h"
#include "proxy/core/worker_context.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/conn_pool.h"
#include "proxy/upstream/load_balancer.h"

namespace meshproxy::upstream {

// A cluster as one worker sees it: the shared immutable config plus this worker's
// load-balancer state and per-host state. Shared so that a request in flight keeps what it
// uses alive across a config update.
struct WorkerCluster {
  ClusterConfigSharedPtr config;
  std::unique_ptr<LoadBalancer> lb;
  HostStateVector host_states;  // per host index

  // The host's connection pool, made on first use.
  Http1ConnPool& pool(WorkerContext& worker, size_t host_index);
  Http1ConnPool& pool(WorkerContext& worker, const HostSharedPtr& host, HostState& state);

  // ORIGINAL_DST: the host for a destination, made on first use and kept (with its pool)
  // while it is used; see sweepOriginalDstHosts.
  struct OriginalDstHost {
    HostSharedPtr host;
    std::shared_ptr<HostState> state;
    uint64_t last_used_ms = 0;
  };
  const OriginalDstHost& originalDstHost(WorkerContext& worker, const network::Address& address);
  // Drops hosts with no active request that were not used for cleanup_interval. Runs from a
  // timer every cleanup_interval once the cluster has hosts.
  void sweepOriginalDstHosts(uint64_t now_ms);
  size_t originalDstHostCount() const { return original_dst_hosts.size(); }

  absl::flat_hash_map<std::string, OriginalDstHost> original_dst_hosts;
  std::unique_ptr<Timer> cleanup_timer;
};
using WorkerClusterSharedPtr = std::shared_ptr<WorkerCluster>;

using ClusterMap = absl::flat_hash_map<std::string, ClusterConfigSharedPtr>;

// The clusters of one worker. Owned and used by that worker's thread only.
class WorkerClusterManager {
 public:
  explicit WorkerClusterManager(uint64_t seed, std::mt19937_64& random)
      : seed_(seed), random_(random) {}

  // Adopts a new set of clusters. An unchanged cluster keeps its worker state; a changed one
  // keeps the connection pools of hosts that are still there (by address).
  void update(const ClusterMap& clusters);
  // nullptr if no such cluster.
  WorkerCluster* get(std::string_view name);
  WorkerClusterSharedPtr getShared(std::string_view name);

 private:
  WorkerClusterSharedPtr build(const ClusterConfigSharedPtr& config, WorkerCluster* previous);

  uint64_t seed_;
  std::mt19937_64& random_;
  absl::flat_hash_map<std::string, WorkerClusterSharedPtr> clusters_;
};

}  // namespace meshproxy::upstream
