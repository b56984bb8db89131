#include "proxy/upstream/load_balancer.h"

#include "proxy/upstream/conn_pool.h"

namespace meshproxy::upstream {

HostState::HostState() = default;
HostState::~HostState() = default;

RoundRobinLoadBalancer::RoundRobinLoadBalancer(const HostVector& hosts, uint64_t seed)
    : hosts_(hosts), current_(hosts.size(), 0) {
  for (const auto& h : hosts_) {
    weights_.push_back(h->weight());
    total_weight_ += weights_.back();
    if (weights_.back() != weights_.front()) weighted_ = true;
  }
  if (!hosts_.empty()) next_ = static_cast<size_t>(seed % hosts_.size());
}

int RoundRobinLoadBalancer::chooseHost() {
  if (hosts_.empty()) return -1;
  if (!weighted_) {
    size_t h = next_;
    next_ = (next_ + 1) % hosts_.size();
    return static_cast<int>(h);
  }
  size_t best = 0;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    current_[i] += weights_[i];
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_weight_;
  return static_cast<int>(best);
}

LeastRequestLoadBalancer::LeastRequestLoadBalancer(const HostVector& hosts,
                                                   const HostStateVector& states,
                                                   std::mt19937_64& random)
    : hosts_(hosts), states_(states), random_(random) {
  for (const auto& h : hosts_) weights_.push_back(h->weight());
}

int LeastRequestLoadBalancer::chooseHost() {
  size_t n = hosts_.size();
  if (n == 0) return -1;
  if (n == 1) return 0;
  size_t a = random_() % n;
  size_t b = random_() % (n - 1);
  if (b >= a) ++b;  // two distinct hosts
  // Compare active/weight without division: active_a * weight_b vs active_b * weight_a.
  uint64_t score_a = static_cast<uint64_t>(states_[a]->active_requests) * weights_[b];
  uint64_t score_b = static_cast<uint64_t>(states_[b]->active_requests) * weights_[a];
  if (score_a == score_b) return static_cast<int>(random_() & 1 ? a : b);
  return static_cast<int>(score_a < score_b ? a : b);
}

}  // namespace meshproxy::upstream
