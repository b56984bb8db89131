#include "proxy/upstream/load_balancer.h"

namespace meshproxy::upstream {

RoundRobinLoadBalancer::RoundRobinLoadBalancer(const HostVector& hosts, uint64_t seed)
    : hosts_(hosts), current_(hosts.size(), 0) {
  for (const auto& h : hosts_) {
    total_weight_ += h->weight;
    if (h->weight != hosts_.front()->weight) weighted_ = true;
  }
  if (!hosts_.empty()) next_ = static_cast<size_t>(seed % hosts_.size());
}

const Host* RoundRobinLoadBalancer::chooseHost() {
  if (hosts_.empty()) return nullptr;
  if (!weighted_) {
    const Host* h = hosts_[next_].get();
    next_ = (next_ + 1) % hosts_.size();
    return h;
  }
  size_t best = 0;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    current_[i] += hosts_[i]->weight;
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_weight_;
  return hosts_[best].get();
}

}  // namespace meshproxy::upstream
