#include "proxy/upstream/cluster_manager.h"

#include "proxy/core/strings.h"

namespace meshproxy::upstream {

void WorkerClusterManager::update(const ClusterMap& clusters) {
  absl::flat_hash_map<std::string, std::unique_ptr<WorkerCluster>> next;
  next.reserve(clusters.size());
  for (const auto& [name, config] : clusters) {
    auto it = clusters_.find(name);
    if (it != clusters_.end() && it->second->config == config) {
      next.emplace(name, std::move(it->second));
      continue;
    }
    auto wc = std::make_unique<WorkerCluster>();
    wc->config = config;
    wc->lb = std::make_unique<RoundRobinLoadBalancer>(config->hosts, seed_++);
    next.emplace(name, std::move(wc));
  }
  clusters_ = std::move(next);
}

WorkerCluster* WorkerClusterManager::get(std::string_view name) {
  auto it = clusters_.find(toAbsl(name));
  return it == clusters_.end() ? nullptr : it->second.get();
}

}  // namespace meshproxy::upstream
