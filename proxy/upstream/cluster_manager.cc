#include "proxy/upstream/cluster_manager.h"

#include "absl/container/flat_hash_map.h"
#include "proxy/core/strings.h"

namespace meshproxy::upstream {

Http1ConnPool& WorkerCluster::pool(WorkerContext& worker, size_t host_index) {
  auto& p = host_states[host_index]->pool;
  if (p == nullptr) p = std::make_unique<Http1ConnPool>(worker, config->hosts[host_index], config);
  return *p;
}

Http1ConnPool& WorkerCluster::pool(WorkerContext& worker, const HostSharedPtr& host,
                                   HostState& state) {
  if (state.pool == nullptr) state.pool = std::make_unique<Http1ConnPool>(worker, host, config);
  return *state.pool;
}

const WorkerCluster::OriginalDstHost& WorkerCluster::originalDstHost(
    WorkerContext& worker, const network::Address& address) {
  uint64_t now = worker.loop.nowMs();
  auto [it, inserted] = original_dst_hosts.try_emplace(address.str());
  OriginalDstHost& entry = it->second;
  if (inserted) {
    entry.host = std::make_shared<Host>(address, address.str());
    entry.state = std::make_shared<HostState>();
  }
  entry.last_used_ms = now;
  if (cleanup_timer == nullptr) {
    cleanup_timer = std::make_unique<Timer>(
        worker.loop.uv(), [this, &worker]() { sweepOriginalDstHosts(worker.loop.nowMs()); });
    cleanup_timer->enableRepeating(config->cleanup_interval);
  }
  return entry;
}

void WorkerCluster::sweepOriginalDstHosts(uint64_t now_ms) {
  uint64_t interval = static_cast<uint64_t>(config->cleanup_interval.count());
  absl::erase_if(original_dst_hosts, [&](const auto& kv) {
    const OriginalDstHost& h = kv.second;
    return h.state->active_requests == 0 && now_ms - h.last_used_ms >= interval;
  });
}

WorkerClusterSharedPtr WorkerClusterManager::build(const ClusterConfigSharedPtr& config,
                                                   WorkerCluster* previous) {
  auto wc = std::make_shared<WorkerCluster>();
  wc->config = config;
  size_t n = config->hosts.size();
  wc->host_states.resize(n);
  if (previous != nullptr) {
    // Endpoints that stay keep their pools (and their open connections).
    absl::flat_hash_map<std::string, size_t> old_index;
    for (size_t i = 0; i < previous->config->hosts.size(); ++i) {
      old_index[previous->config->hosts[i]->address().str()] = i;
    }
    for (size_t i = 0; i < n; ++i) {
      auto it = old_index.find(config->hosts[i]->address().str());
      if (it == old_index.end()) continue;
      wc->host_states[i] = previous->host_states[it->second];
      if (wc->host_states[i]->pool != nullptr) wc->host_states[i]->pool->updateCluster(config);
    }
  }
  if (previous != nullptr && previous->config->type == DiscoveryType::kOriginalDst &&
      config->type == DiscoveryType::kOriginalDst) {
    // Destinations in use keep their pools across a cluster update.
    wc->original_dst_hosts = std::move(previous->original_dst_hosts);
    for (auto& [key, h] : wc->original_dst_hosts) {
      if (h.state->pool != nullptr) h.state->pool->updateCluster(config);
    }
  }
  for (auto& state : wc->host_states) {
    if (state == nullptr) state = std::make_shared<HostState>();
  }
  switch (config->lb_policy) {
    case LbPolicy::kRoundRobin:
      wc->lb = std::make_unique<RoundRobinLoadBalancer>(config->hosts, seed_++);
      break;
    case LbPolicy::kLeastRequest:
      wc->lb = std::make_unique<LeastRequestLoadBalancer>(config->hosts, wc->host_states, random_);
      break;
    case LbPolicy::kClusterProvided:
      // ORIGINAL_DST: the destination comes with each connection (originalDstHost), not from
      // a host list; a plain pick finds nothing.
      wc->lb = std::make_unique<RoundRobinLoadBalancer>(config->hosts, seed_++);
      break;
  }
  return wc;
}

void WorkerClusterManager::update(const ClusterMap& clusters) {
  absl::flat_hash_map<std::string, WorkerClusterSharedPtr> next;
  next.reserve(clusters.size());
  for (const auto& [name, config] : clusters) {
    auto it = clusters_.find(name);
    if (it != clusters_.end() && it->second->config == config) {
      next.emplace(name, std::move(it->second));
      continue;
    }
    next.emplace(name, build(config, it == clusters_.end() ? nullptr : it->second.get()));
  }
  clusters_ = std::move(next);
}

WorkerCluster* WorkerClusterManager::get(std::string_view name) {
  auto it = clusters_.find(toAbsl(name));
  return it == clusters_.end() ? nullptr : it->second.get();
}

WorkerClusterSharedPtr WorkerClusterManager::getShared(std::string_view name) {
  auto it = clusters_.find(toAbsl(name));
  return it == clusters_.end() ? nullptr : it->second;
}

}  // namespace meshproxy::upstream
