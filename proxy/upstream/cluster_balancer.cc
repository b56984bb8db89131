#include "proxy/upstream/cluster_balancer.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace meshproxy::upstream {

namespace {
HostVector sharedHosts(const WorkerHostVector& hosts) {
  HostVector out;
  out.reserve(hosts.size());
  for (const auto& host : hosts) out.push_back(host->sharedHost());
  return out;
}
}  // namespace

// One priority level: what its balancer(s) pick from. Vectors are filled before any balancer
// is made (balancers keep references to them) and never change afterwards.
class ClusterBalancer::Level {
 public:
  struct Locality {
    WorkerHostVector hosts;
    std::unique_ptr<LoadBalancer> lb;
  };
  WorkerHostVector all;
  WorkerHostVector healthy;
  bool panic = false;
  // Without locality weighting: one balancer over `healthy` (or `all` in panic).
  std::unique_ptr<LoadBalancer> lb;
  // With it: localities with an effective weight > 0, and their cumulative weights.
  std::vector<Locality> localities;
  std::vector<double> cumulative;

  const WorkerHostVector& picked() const { return panic ? all : healthy; }
};

ClusterBalancer::ClusterBalancer(const ClusterConfig& config, const WorkerHostVector& hosts,
                                 std::mt19937_64& random, uint64_t seed)
    : config_(config), random_(random), seed_(seed) {
  uint32_t max_priority = 0;
  for (const auto& host : hosts) max_priority = std::max(max_priority, host->host().priority());
  levels_.reserve(max_priority + 1);
  for (uint32_t p = 0; p <= max_priority; ++p) levels_.push_back(std::make_unique<Level>());
  uint32_t overprovisioning = 140;
  for (const auto& host : hosts) {
    Level& level = *levels_[host->host().priority()];
    level.all.push_back(host);
    if (host->host().healthy()) {
      level.healthy.push_back(host);
      healthy_.push_back(host);
    }
    overprovisioning = host->host().overprovisioningFactor();
  }
  std::vector<PriorityHealth> health;
  for (const auto& level : levels_) {
    health.push_back(
        {static_cast<uint32_t>(level->all.size()), static_cast<uint32_t>(level->healthy.size())});
  }
  load_ = computePriorityLoad(health, overprovisioning, config_.lb.healthy_panic_threshold);
  for (size_t p = 0; p < levels_.size(); ++p) {
    Level& level = *levels_[p];
    level.panic = load_.panic[p];
    if (!config_.lb.locality_weighted) {
      level.lb = makeBalancer(level.picked());
      continue;
    }
    // Group by locality (first appearance order), weight by configured weight x availability.
    absl::flat_hash_map<const upstream::Locality*, size_t> index;
    std::vector<const upstream::Locality*> keys;
    std::vector<WorkerHostVector> groups;
    std::vector<uint32_t> totals, healthy_counts, weights;
    for (const auto& host : level.all) {
      const upstream::Locality* key = nullptr;
      for (const auto* k : keys) {
        if (*k == host->host().locality()) key = k;
      }
      if (key == nullptr) {
        key = &host->host().locality();
        keys.push_back(key);
        index[key] = groups.size();
        groups.emplace_back();
        totals.push_back(0);
        healthy_counts.push_back(0);
        weights.push_back(host->host().localityWeight());
      }
      size_t g = index[key];
      ++totals[g];
      if (host->host().healthy()) ++healthy_counts[g];
      if (level.panic || host->host().healthy()) groups[g].push_back(host);
    }
    level.localities.reserve(groups.size());
    double sum = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
      // In panic every locality counts as available (its hosts are all picked from).
      double w = level.panic ? weights[g]
                             : localityEffectiveWeight(weights[g], totals[g], healthy_counts[g],
                                                       overprovisioning);
      if (w <= 0 || groups[g].empty()) continue;
      level.localities.push_back({std::move(groups[g]), nullptr});
      sum += w;
      level.cumulative.push_back(sum);
    }
    for (auto& locality : level.localities) locality.lb = makeBalancer(locality.hosts);
  }
}

ClusterBalancer::~ClusterBalancer() = default;

std::unique_ptr<LoadBalancer> ClusterBalancer::makeBalancer(const WorkerHostVector& hosts) {
  switch (config_.lb_policy) {
    case LbPolicy::kLeastRequest:
      return std::make_unique<LeastRequestLoadBalancer>(hosts, random_, config_.lb.choice_count,
                                                        config_.lb.active_request_bias);
    case LbPolicy::kRandom:
      return std::make_unique<RandomLoadBalancer>(hosts, random_);
    case LbPolicy::kRingHash:
      return std::make_unique<RingHashLoadBalancer>(
          hosts,
          config_.lb_tables->ring(sharedHosts(hosts), config_.lb.minimum_ring_size,
                                  config_.lb.maximum_ring_size, config_.lb.hash_function),
          random_);
    case LbPolicy::kMaglev:
      return std::make_unique<MaglevLoadBalancer>(
          hosts, config_.lb_tables->maglev(sharedHosts(hosts), config_.lb.maglev_table_size),
          random_);
    case LbPolicy::kRoundRobin:
    case LbPolicy::kClusterProvided:
      // ORIGINAL_DST picks by destination (WorkerCluster), never through this balancer.
      break;
  }
  return std::make_unique<RoundRobinLoadBalancer>(hosts, seed_++);
}

WorkerHost* ClusterBalancer::pick(const LbContext& context, uint32_t attempt) {
  if (levels_.empty()) return nullptr;
  Level* level = levels_[0].get();
  std::optional<uint64_t> hash;
  if (levels_.size() > 1 || config_.lb.locality_weighted) hash = context.hashKey();
  if (levels_.size() > 1) {
    // A hashing request picks its level by its hash, so it stays on one host while the load
    // split does not change.
    level = levels_[choosePriority(load_.load, hash.has_value() ? *hash : random_())].get();
  }
  LoadBalancer* lb = level->lb.get();
  if (config_.lb.locality_weighted) {
    if (level->localities.empty()) return nullptr;
    double point = (hash.has_value() ? static_cast<double>(*hash % 1000003) / 1000003.0
                                     : std::uniform_real_distribution<double>(0, 1)(random_)) *
                   level->cumulative.back();
    size_t i = static_cast<size_t>(
        std::upper_bound(level->cumulative.begin(), level->cumulative.end(), point) -
        level->cumulative.begin());
    lb = level->localities[std::min(i, level->localities.size() - 1)].lb.get();
  }
  if (lb == nullptr) return nullptr;
  return attempt == 0 ? lb->pick(context) : lb->pickAgain(context, attempt);
}

}  // namespace meshproxy::upstream
