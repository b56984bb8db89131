#include "proxy/upstream/worker_cluster.h"

#include "proxy/http/header_map.h"
#include "proxy/network/connection.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/http1_conn_pool.h"
#include "proxy/upstream/http2_conn_pool.h"

namespace meshproxy::upstream {

WorkerHost::WorkerHost(HostSharedPtr host) : host_(std::move(host)) {}
WorkerHost::~WorkerHost() = default;

WorkerCluster::WorkerCluster(WorkerClusterManager& manager, ClusterConfigSharedPtr config,
                             WorkerCluster* previous)
    : manager_(manager), config_(std::move(config)) {
  // Hosts the update kept (same Host object, see reconcileHosts) keep their worker state and
  // open connections.
  absl::flat_hash_map<const Host*, const WorkerHostSharedPtr*> kept;
  if (previous != nullptr) {
    kept.reserve(previous->hosts_.size());
    for (const auto& worker_host : previous->hosts_)
      kept.emplace(&worker_host->host(), &worker_host);
  }
  hosts_.reserve(config_->hosts.size());
  for (const auto& host : config_->hosts) {
    auto it = kept.find(host.get());
    if (it == kept.end()) {
      hosts_.push_back(std::make_shared<WorkerHost>(host));
      continue;
    }
    hosts_.push_back(*it->second);
    for (const auto& pool : hosts_.back()->pools()) pool->updateCluster(config_);
  }
  if (previous != nullptr && previous->config_->type == DiscoveryType::kOriginalDst &&
      config_->type == DiscoveryType::kOriginalDst) {
    // Destinations in use keep their pools across a cluster update.
    original_dst_hosts_ = std::move(previous->original_dst_hosts_);
    previous->original_dst_hosts_.clear();
    for (auto& [key, entry] : original_dst_hosts_) {
      for (const auto& pool : entry.host->pools()) pool->updateCluster(config_);
    }
  }
  // The balancer picks among healthy hosts only (no panic threshold yet: with none healthy
  // there is no host). Flags are read once here, per host-set change.
  healthy_hosts_.reserve(hosts_.size());
  for (const auto& host : hosts_) {
    if (host->host().healthy()) healthy_hosts_.push_back(host);
  }
  switch (config_->lb_policy) {
    case LbPolicy::kRoundRobin:
      lb_ = std::make_unique<RoundRobinLoadBalancer>(healthy_hosts_, manager_.nextSeed());
      break;
    case LbPolicy::kLeastRequest:
      lb_ = std::make_unique<LeastRequestLoadBalancer>(healthy_hosts_, manager_.random());
      break;
    case LbPolicy::kClusterProvided:
      // ORIGINAL_DST: the destination comes with each request or connection
      // (originalDestination), not from a host list; the balancer has nothing to pick.
      lb_ = std::make_unique<RoundRobinLoadBalancer>(healthy_hosts_, manager_.nextSeed());
      break;
  }
  if (!original_dst_hosts_.empty()) originalDstHost(std::nullopt);
}

WorkerCluster::~WorkerCluster() = default;

void WorkerCluster::unpin() {
  if (--pins_ == 0 && retired_) manager_.onUnpinned(*this);
}

WorkerHost* WorkerCluster::chooseHost(const LbContext& context) {
  if (config_->type == DiscoveryType::kOriginalDst) {
    std::optional<network::Address> destination = originalDestination(*config_, context);
    return destination.has_value() ? originalDstHost(*destination) : nullptr;
  }
  uint32_t retries = context.hostSelectionRetryCount();
  WorkerHost* host = lb_->pick(context);
  for (uint32_t i = 0; i < retries; ++i) {
    if (host == nullptr || !context.shouldSelectAnotherHost(host->host())) return host;
    host = lb_->pick(context);
  }
  return host;
}

ConnPool* WorkerCluster::httpPool(WorkerHost& host, const PoolKey& key) {
  if (ConnPool* pool = host.pool(key); pool != nullptr) return pool;
  if (key.protocol == http::Protocol::kHttp2) {
    return &host.addPool(
        std::make_unique<Http2ConnPool>(manager_.loop(), host.sharedHost(), config_));
  }
  return &host.addPool(
      std::make_unique<Http1ConnPool>(manager_.loop(), host.sharedHost(), config_));
}

void WorkerCluster::retire() {
  retired_ = true;
  // Hosts only this cluster still holds left the config: their idle connections close now,
  // busy ones when their streams end.
  for (const auto& host : hosts_) {
    if (host.use_count() > 1) continue;
    for (const auto& pool : host->pools()) pool->drainConnections();
  }
  for (const auto& [key, entry] : original_dst_hosts_) {
    for (const auto& pool : entry.host->pools()) pool->drainConnections();
  }
}

std::optional<network::Address> WorkerCluster::originalDestination(const ClusterConfig& cluster,
                                                                   const LbContext& context) {
  std::optional<network::Address> destination;
  const http::HeaderMap* headers = context.downstreamHeaders();
  if (cluster.original_dst_use_http_header && headers != nullptr) {
    if (auto value = headers->get(cluster.original_dst_http_header); value.has_value()) {
      auto parsed = network::Address::parse(*value);
      if (!parsed.ok()) return std::nullopt;  // Envoy: an unusable header is no host
      destination = *parsed;
    }
  }
  if (!destination.has_value()) {
    const network::Connection* downstream = context.downstreamConnection();
    if (downstream == nullptr || !downstream->localAddressRestored()) return std::nullopt;
    destination = downstream->localAddress();
  }
  if (cluster.original_dst_port_override != 0) {
    destination->setPort(cluster.original_dst_port_override);
  }
  return destination;
}

WorkerHost* WorkerCluster::originalDstHost(const std::optional<network::Address>& address) {
  if (cleanup_timer_ == nullptr) {
    cleanup_timer_ = std::make_unique<Timer>(
        manager_.loop().uv(), [this]() { sweepOriginalDstHosts(manager_.loop().nowMs()); });
    cleanup_timer_->enableRepeating(config_->cleanup_interval);
  }
  if (!address.has_value()) return nullptr;
  auto [it, inserted] = original_dst_hosts_.try_emplace(address->str());
  OriginalDstHost& entry = it->second;
  if (inserted) {
    entry.host = std::make_shared<WorkerHost>(std::make_shared<Host>(*address, address->str()));
  }
  entry.last_used_ms = manager_.loop().nowMs();
  return entry.host.get();
}

void WorkerCluster::sweepOriginalDstHosts(uint64_t now_ms) {
  uint64_t interval = static_cast<uint64_t>(config_->cleanup_interval.count());
  absl::erase_if(original_dst_hosts_, [&](const auto& kv) {
    const OriginalDstHost& entry = kv.second;
    return entry.host->pins() == 0 && entry.host->active_requests == 0 &&
           now_ms - entry.last_used_ms >= interval;
  });
}

}  // namespace meshproxy::upstream
