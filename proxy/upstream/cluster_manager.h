#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/load_balancer.h"

namespace meshproxy::upstream {

// A cluster as one worker sees it: the shared immutable config plus this worker's
// load-balancer state (later also its connection pools).
struct WorkerCluster {
  ClusterConfigSharedPtr config;
  std::unique_ptr<LoadBalancer> lb;
};

using ClusterMap = absl::flat_hash_map<std::string, ClusterConfigSharedPtr>;

// The clusters of one worker. Owned and used by that worker's thread only.
class WorkerClusterManager {
 public:
  explicit WorkerClusterManager(uint64_t seed) : seed_(seed) {}

  // Adopts a new set of clusters. A cluster whose config object did not change keeps its
  // worker state (round-robin position, pools); others get fresh state.
  void update(const ClusterMap& clusters);
  // nullptr if no such cluster.
  WorkerCluster* get(std::string_view name);

 private:
  uint64_t seed_;
  absl::flat_hash_map<std::string, std::unique_ptr<WorkerCluster>> clusters_;
};

}  // namespace meshproxy::upstream
