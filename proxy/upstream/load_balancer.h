#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "proxy/upstream/lb_config.h"
#include "proxy/upstream/lb_context.h"
#include "proxy/upstream/lb_tables.h"
#include "proxy/upstream/worker_host.h"

namespace meshproxy::upstream {

// Picks a host for each new connection or request among the hosts of one priority level. One
// instance per worker per cluster and level, built when the cluster's host list changes:
// its state is touched by one thread only, so it needs no synchronization. Callers go through
// WorkerCluster::chooseHost, which chooses the priority level and adds ORIGINAL_DST and
// host-selection retries.
class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // One pick; nullptr when there is no host.
  virtual WorkerHost* pick(const LbContext& context) = 0;
  // Another pick for the same request because the host of the previous one is to be avoided
  // (attempt >= 1). Consistent-hashing balancers step along their table from the request's
  // hash, as Envoy does; the others just pick again.
  virtual WorkerHost* pickAgain(const LbContext& context, uint32_t attempt) {
    (void)attempt;
    return pick(context);
  }
};

// Smooth weighted round robin (the nginx algorithm): with equal weights it is plain round
// robin; with unequal weights picks are interleaved instead of bunched (a 3:1 split gives
// a,a,b,a rather than a,a,a,b). Each worker starts at a random offset so that N workers do
// not all send their first connection to the same host.
class RoundRobinLoadBalancer : public LoadBalancer {
 public:
  RoundRobinLoadBalancer(const WorkerHostVector& hosts, uint64_t seed);
  WorkerHost* pick(const LbContext& context) override;

 private:
  const WorkerHostVector& hosts_;
  std::vector<uint32_t> weights_;  // copied when built: see Host::weight()
  bool weighted_ = false;
  size_t next_ = 0;
  int64_t total_weight_ = 0;
  std::vector<int64_t> current_;
};

// Envoy's LEAST_REQUEST. Equal weights: the power of `choice_count` choices: that many hosts
// drawn at random, the one with fewest active requests (on this worker) wins; O(1).
// Unequal weights: Envoy's earliest-deadline-first schedule in which a host's weight, each
// time it is scheduled, is weight / (active + 1) ^ active_request_bias.
class LeastRequestLoadBalancer : public LoadBalancer {
 public:
  LeastRequestLoadBalancer(const WorkerHostVector& hosts, std::mt19937_64& random,
                           uint32_t choice_count = 2, double active_request_bias = 1.0);
  WorkerHost* pick(const LbContext& context) override;

 private:
  struct Deadline {
    double deadline;
    uint64_t order;  // ties: first scheduled first, as Envoy's EDF
    uint32_t host;
    bool operator>(const Deadline& o) const {
      return deadline > o.deadline || (deadline == o.deadline && order > o.order);
    }
  };
  double effectiveWeight(uint32_t host) const;

  const WorkerHostVector& hosts_;
  std::vector<uint32_t> weights_;
  std::mt19937_64& random_;
  const uint32_t choice_count_;
  const double bias_;
  bool weighted_ = false;
  // The EDF schedule (a binary min-heap, reserved once).
  std::vector<Deadline> schedule_;
  double now_ = 0;
  uint64_t order_ = 0;
};

// RANDOM: a host drawn at random, in proportion to its weight.
class RandomLoadBalancer : public LoadBalancer {
 public:
  RandomLoadBalancer(const WorkerHostVector& hosts, std::mt19937_64& random);
  WorkerHost* pick(const LbContext& context) override;

 private:
  const WorkerHostVector& hosts_;
  std::mt19937_64& random_;
  std::vector<uint64_t> cumulative_;  // empty: equal weights
};

// RING_HASH and MAGLEV: the request's hash (route hash_policy, LbContext::hashKey) looked up
// in a table shared by all workers (LbTableCache); a request without a hash gets a random
// one, as in Envoy. `hosts` is the list the table was built for, in the same order.
template <typename Table>
class HashTableLoadBalancer : public LoadBalancer {
 public:
  HashTableLoadBalancer(const WorkerHostVector& hosts, std::shared_ptr<const Table> table,
                        std::mt19937_64& random)
      : hosts_(hosts), table_(std::move(table)), random_(random) {}
  WorkerHost* pick(const LbContext& context) override { return pickAgain(context, 0); }
  WorkerHost* pickAgain(const LbContext& context, uint32_t attempt) override {
    if (hosts_.empty() || table_ == nullptr || table_->empty()) return nullptr;
    std::optional<uint64_t> hash = context.hashKey();
    uint64_t value = hash.has_value() ? *hash : random_();
    return hosts_[attempt == 0 ? table_->lookup(value) : table_->lookup(value, attempt)].get();
  }

 private:
  const WorkerHostVector& hosts_;
  std::shared_ptr<const Table> table_;
  std::mt19937_64& random_;
};
using RingHashLoadBalancer = HashTableLoadBalancer<RingHashTable>;
using MaglevLoadBalancer = HashTableLoadBalancer<MaglevTable>;

}  // namespace meshproxy::upstream
