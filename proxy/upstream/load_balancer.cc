#include "proxy/upstream/load_balancer.h"

namespace meshproxy::upstream {

RoundRobinLoadBalancer::RoundRobinLoadBalancer(const WorkerHostVector& hosts, uint64_t seed)
    : hosts_(hosts), current_(hosts.size(), 0) {
  for (const auto& h : hosts_) {
    weights_.push_back(h->host().weight());
    total_weight_ += weights_.back();
    if (weights_.back() != weights_.front()) weighted_ = true;
  }
  if (!hosts_.empty()) next_ = static_cast<size_t>(seed % hosts_.size());
}

WorkerHost* RoundRobinLoadBalancer::pick(const LbContext&) {
  if (hosts_.empty()) return nullptr;
  if (!weighted_) {
    size_t h = next_;
    next_ = (next_ + 1) % hosts_.size();
    return hosts_[h].get();
  }
  size_t best = 0;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    current_[i] += weights_[i];
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_weight_;
  return hosts_[best].get();
}

LeastRequestLoadBalancer::LeastRequestLoadBalancer(const WorkerHostVector& hosts,
                                                   std::mt19937_64& random)
    : hosts_(hosts), random_(random) {
  for (const auto& h : hosts_) weights_.push_back(h->host().weight());
}

WorkerHost* LeastRequestLoadBalancer::pick(const LbContext&) {
  size_t n = hosts_.size();
  if (n == 0) return nullptr;
  if (n == 1) return hosts_[0].get();
  size_t a = random_() % n;
  size_t b = random_() % (n - 1);
  if (b >= a) ++b;  // two distinct hosts
  // Compare active/weight without division: active_a * weight_b vs active_b * weight_a.
  uint64_t score_a = static_cast<uint64_t>(hosts_[a]->active_requests) * weights_[b];
  uint64_t score_b = static_cast<uint64_t>(hosts_[b]->active_requests) * weights_[a];
  if (score_a == score_b) return hosts_[random_() & 1 ? a : b].get();
  return hosts_[score_a < score_b ? a : b].get();
}

}  // namespace meshproxy::upstream
