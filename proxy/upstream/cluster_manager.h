#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/name_slots.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/worker_cluster.h"

namespace meshproxy::upstream {

using ClusterMap = absl::flat_hash_map<std::string, ClusterConfigSharedPtr>;

// The clusters of one worker. Owned and used by that worker's thread only.
class WorkerClusterManager {
 public:
  WorkerClusterManager(EventLoop& loop, uint32_t worker_index, uint64_t seed,
                       std::mt19937_64& random);
  ~WorkerClusterManager();
  WorkerClusterManager(const WorkerClusterManager&) = delete;
  WorkerClusterManager& operator=(const WorkerClusterManager&) = delete;

  // Adopts a new set of clusters. An unchanged cluster (same config object) keeps its
  // WorkerCluster; a changed one gets a new WorkerCluster that keeps the WorkerHosts (and
  // pools) of hosts that are still there. Replaced and removed clusters still pinned by a
  // stream are retired until the last pin goes (see worker_cluster.h).
  void update(const ClusterMap& clusters);
  // nullptr if no such cluster. Valid until the next update(); pin it to keep it longer.
  // By slot (clusterSlots(), resolved at config time): a vector index, for names routes and
  // tcp_proxy configure. By name: one hash lookup, for names that come with the request
  // (cluster_header).
  WorkerCluster* get(uint32_t slot) const {
    return slot < by_slot_.size() ? by_slot_[slot] : nullptr;
  }
  WorkerCluster* get(std::string_view name) const;
  // Health flags of `cluster`'s hosts changed: its balancer picks from the healthy ones again.
  void onHostHealthChanged(std::string_view cluster);

  EventLoop& loop() { return loop_; }
  uint32_t workerIndex() const { return worker_index_; }
  std::mt19937_64& random() { return random_; }
  uint64_t nextSeed() { return seed_++; }
  size_t retiredCount() const { return retired_.size(); }

 private:
  friend class WorkerCluster;
  void retire(std::unique_ptr<WorkerCluster> cluster);
  // A retired cluster lost its last pin.
  void onUnpinned(WorkerCluster& cluster);

  EventLoop& loop_;
  const uint32_t worker_index_;
  uint64_t seed_;
  std::mt19937_64& random_;
  absl::flat_hash_map<std::string, std::unique_ptr<WorkerCluster>> clusters_;
  std::vector<std::unique_ptr<WorkerCluster>> retired_;
  std::vector<WorkerCluster*> by_slot_;  // clusters_ by clusterSlots() number
};

}  // namespace meshproxy::upstream
