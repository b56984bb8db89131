#include "proxy/upstream/cluster_manager.h"

#include "proxy/core/strings.h"

namespace meshproxy::upstream {

WorkerClusterManager::WorkerClusterManager(EventLoop& loop, uint32_t worker_index, uint64_t seed,
                                           std::mt19937_64& random)
    : loop_(loop), worker_index_(worker_index), seed_(seed), random_(random) {}

// The worker closes its connections (and so releases every pin) before it destroys this.
WorkerClusterManager::~WorkerClusterManager() {
  clusters_.clear();
  retired_.clear();
}

void WorkerClusterManager::update(const ClusterMap& clusters) {
  absl::flat_hash_map<std::string, std::unique_ptr<WorkerCluster>> next;
  next.reserve(clusters.size());
  for (const auto& [name, config] : clusters) {
    auto it = clusters_.find(name);
    if (it != clusters_.end() && it->second->config_ == config) {
      next.emplace(name, std::move(it->second));
      clusters_.erase(it);
      continue;
    }
    WorkerCluster* previous = it == clusters_.end() ? nullptr : it->second.get();
    next.emplace(name, std::make_unique<WorkerCluster>(*this, config, previous));
  }
  // What is left was replaced or removed.
  for (auto& [name, cluster] : clusters_) retire(std::move(cluster));
  clusters_ = std::move(next);
  by_slot_.assign(clusterSlots().size(), nullptr);
  for (const auto& [name, cluster] : clusters_) {
    uint32_t slot = clusterSlots().intern(name);
    if (slot >= by_slot_.size()) by_slot_.resize(slot + 1, nullptr);
    by_slot_[slot] = cluster.get();
  }
}

void WorkerClusterManager::retire(std::unique_ptr<WorkerCluster> cluster) {
  // update() runs from the loop, never inside a stream's callbacks, and every stream that
  // uses a cluster pins it: an unpinned cluster can go at once.
  if (cluster->pins_ == 0) return;
  cluster->retire();
  retired_.push_back(std::move(cluster));
}

void WorkerClusterManager::onUnpinned(WorkerCluster& cluster) {
  for (auto it = retired_.begin(); it != retired_.end(); ++it) {
    if (it->get() != &cluster) continue;
    // The last pin is often released from inside the cluster's own pools' callbacks.
    loop_.deferredDelete(std::move(*it));
    retired_.erase(it);
    return;
  }
}

void WorkerClusterManager::onHostHealthChanged(std::string_view cluster) {
  if (WorkerCluster* c = get(cluster); c != nullptr) c->onHostHealthChanged();
}

WorkerCluster* WorkerClusterManager::get(std::string_view name) const {
  auto it = clusters_.find(toAbsl(name));
  return it == clusters_.end() ? nullptr : it->second.get();
}

}  // namespace meshproxy::upstream
