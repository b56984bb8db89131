#include "proxy/upstream/load_balancer.h"

#include <algorithm>
#include <cmath>
#include <functional>

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
                                                   std::mt19937_64& random, uint32_t choice_count,
                                                   double active_request_bias)
    : hosts_(hosts),
      random_(random),
      choice_count_(std::max<uint32_t>(choice_count, 2)),
      bias_(active_request_bias) {
  for (const auto& h : hosts_) {
    weights_.push_back(h->host().weight());
    if (weights_.back() != weights_.front()) weighted_ = true;
  }
  if (!weighted_) return;
  schedule_.reserve(hosts_.size());
  for (uint32_t i = 0; i < hosts_.size(); ++i) {
    schedule_.push_back({1.0 / effectiveWeight(i), order_++, i});
  }
  std::make_heap(schedule_.begin(), schedule_.end(), std::greater<>());
}

double LeastRequestLoadBalancer::effectiveWeight(uint32_t host) const {
  double active = hosts_[host]->active_requests;
  if (bias_ == 0.0) return weights_[host];
  if (bias_ == 1.0) return weights_[host] / (active + 1);
  return weights_[host] / std::pow(active + 1, bias_);
}

WorkerHost* LeastRequestLoadBalancer::pick(const LbContext&) {
  size_t n = hosts_.size();
  if (n == 0) return nullptr;
  if (n == 1) return hosts_[0].get();
  if (weighted_) {
    std::pop_heap(schedule_.begin(), schedule_.end(), std::greater<>());
    Deadline& next = schedule_.back();
    now_ = next.deadline;
    uint32_t host = next.host;
    next = {now_ + 1.0 / effectiveWeight(host), order_++, host};
    std::push_heap(schedule_.begin(), schedule_.end(), std::greater<>());
    return hosts_[host].get();
  }
  // The power of choice_count choices; the first two draws are distinct (with two hosts the
  // busier one never wins), further ones with replacement. Ties go to the first drawn.
  size_t best = random_() % n;
  size_t second = random_() % (n - 1);
  if (second >= best) ++second;
  if (hosts_[second]->active_requests < hosts_[best]->active_requests) best = second;
  for (uint32_t i = 2; i < choice_count_; ++i) {
    size_t candidate = random_() % n;
    if (hosts_[candidate]->active_requests < hosts_[best]->active_requests) best = candidate;
  }
  return hosts_[best].get();
}

RandomLoadBalancer::RandomLoadBalancer(const WorkerHostVector& hosts, std::mt19937_64& random)
    : hosts_(hosts), random_(random) {
  bool weighted = false;
  uint64_t total = 0;
  for (const auto& h : hosts_) {
    total += h->host().weight();
    cumulative_.push_back(total);
    if (h->host().weight() != hosts_.front()->host().weight()) weighted = true;
  }
  if (!weighted) cumulative_.clear();
}

WorkerHost* RandomLoadBalancer::pick(const LbContext&) {
  if (hosts_.empty()) return nullptr;
  if (cumulative_.empty()) return hosts_[random_() % hosts_.size()].get();
  uint64_t value = random_() % cumulative_.back();
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), value);
  return hosts_[static_cast<size_t>(it - cumulative_.begin())].get();
}

}  // namespace meshproxy::upstream
