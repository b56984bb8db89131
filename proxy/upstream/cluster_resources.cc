#include "proxy/upstream/cluster_resources.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::upstream {

void ClusterResources::Resource::publish(int64_t value, uint64_t max) {
  if (value < 0) value = 0;
  if (open_ != nullptr) {
    // Written only when it flips: most changes leave the breaker as it was.
    int64_t open = static_cast<uint64_t>(value) >= max ? 1 : 0;
    if (open_->value() != open) open_->set(open);
  }
  if (stats::Gauge* remaining = remaining_.load(std::memory_order_relaxed); remaining != nullptr) {
    uint64_t left = max > static_cast<uint64_t>(value) ? max - static_cast<uint64_t>(value) : 0;
    remaining->set(static_cast<int64_t>(std::min<uint64_t>(left, INT64_MAX)));
  }
}

uint64_t ClusterResources::maxRetries(ResourcePriority priority,
                                      const ResourceLimits& limits) const {
  if (!limits.retry_budget.has_value()) return limits.max_retries;
  // Envoy's RetryBudgetImpl: a share of what is active and waiting, with a floor.
  const Priority& p = at(priority);
  double active = static_cast<double>(std::max<int64_t>(0, p.requests.value()) +
                                      std::max<int64_t>(0, p.pending_requests.value()));
  auto budget = static_cast<uint64_t>(limits.retry_budget->budget_percent / 100.0 * active);
  return std::max<uint64_t>(budget, limits.retry_budget->min_retry_concurrency);
}

bool ClusterResources::tryStartRetry(ResourcePriority priority, const ResourceLimits& limits) {
  uint64_t max = maxRetries(priority, limits);
  Resource& retries = at(priority).retries;
  if (!retries.canCreate(max)) {
    // The breaker is open now even if no retry finishes to say so.
    retries.publish(retries.value(), max);
    return false;
  }
  retries.inc(max);
  return true;
}

void ClusterResources::bindGauges(stats::Store& store, std::string_view cluster_name) {
  store_ = &store;
  name_ = std::string(cluster_name);
  stats::Scope cluster = store.scope("cluster", cluster_name);
  for (size_t i = 0; i < kResourcePriorities; ++i) {
    stats::Scope breakers =
        cluster.scope("circuit_breakers").scope(priorityName(static_cast<ResourcePriority>(i)));
    Priority& p = by_priority_[i];
    p.connections.open_ = &breakers.gauge("cx_open");
    p.connection_pools.open_ = &breakers.gauge("cx_pool_open");
    p.pending_requests.open_ = &breakers.gauge("rq_pending_open");
    p.requests.open_ = &breakers.gauge("rq_open");
    p.retries.open_ = &breakers.gauge("rq_retry_open");
  }
}

void ClusterResources::trackRemaining(const CircuitBreakers& breakers) {
  if (store_ == nullptr) return;
  stats::Scope cluster = store_->scope("cluster", name_);
  for (size_t i = 0; i < kResourcePriorities; ++i) {
    const ResourceLimits& limits = breakers.thresholds[i];
    if (!limits.track_remaining) continue;
    auto priority = static_cast<ResourcePriority>(i);
    stats::Scope scope = cluster.scope("circuit_breakers").scope(priorityName(priority));
    Priority& p = by_priority_[i];
    auto bind = [](Resource& resource, stats::Gauge& gauge, uint64_t max) {
      // The level as of now, before the first change publishes it.
      int64_t value = std::max<int64_t>(0, resource.value());
      gauge.set(static_cast<int64_t>(std::min<uint64_t>(
          max > static_cast<uint64_t>(value) ? max - static_cast<uint64_t>(value) : 0, INT64_MAX)));
      resource.remaining_.store(&gauge, std::memory_order_relaxed);
    };
    bind(p.connections, scope.gauge("remaining_cx"), limits.max_connections);
    bind(p.connection_pools, scope.gauge("remaining_cx_pools"), limits.max_connection_pools);
    bind(p.pending_requests, scope.gauge("remaining_pending"), limits.max_pending_requests);
    bind(p.requests, scope.gauge("remaining_rq"), limits.max_requests);
    bind(p.retries, scope.gauge("remaining_retries"), maxRetries(priority, limits));
  }
}

std::shared_ptr<ClusterResources> ClusterResources::forCluster(stats::Store& store,
                                                               std::string_view cluster_name) {
  // Weak entries: the counters live exactly as long as some config of the cluster does. A
  // cluster removed and added again after its last request finished starts from zero, which
  // is then also the truth. Keyed by store too: gauges belong to one store.
  static std::mutex mutex;
  static absl::flat_hash_map<std::pair<const stats::Store*, std::string>,
                             std::weak_ptr<ClusterResources>>
      by_name;
  std::lock_guard<std::mutex> lock(mutex);
  auto& entry = by_name[std::make_pair(&store, std::string(cluster_name))];
  if (auto existing = entry.lock(); existing != nullptr) return existing;
  auto fresh = std::make_shared<ClusterResources>();
  fresh->bindGauges(store, cluster_name);
  entry = fresh;
  // Forget names whose counters are gone, so churned cluster names do not accumulate.
  if (by_name.size() > 64 && by_name.size() % 64 == 0) {
    absl::erase_if(by_name, [](const auto& kv) { return kv.second.expired(); });
  }
  return fresh;
}

}  // namespace meshproxy::upstream
