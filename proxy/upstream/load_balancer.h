#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "proxy/upstream/lb_context.h"
#include "proxy/upstream/worker_host.h"

namespace meshproxy::upstream {

// Picks a host for each new connection or request. One instance per worker per cluster, built
// when the cluster's host list changes (the place for ring or maglev tables later): its
// state is touched by one thread only, so it needs no synchronization. Callers go through
// WorkerCluster::chooseHost, which adds ORIGINAL_DST and host-selection retries.
class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // One pick; nullptr when there is no host.
  virtual WorkerHost* pick(const LbContext& context) = 0;
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

// Envoy's LEAST_REQUEST with equal weights: the power of two choices. Two hosts drawn at
// random, the one with fewer active requests (on this worker) wins; almost as good as a full
// scan, O(1). With unequal weights a host's active count is divided by its weight.
class LeastRequestLoadBalancer : public LoadBalancer {
 public:
  LeastRequestLoadBalancer(const WorkerHostVector& hosts, std::mt19937_64& random);
  WorkerHost* pick(const LbContext& context) override;

 private:
  const WorkerHostVector& hosts_;
  std::vector<uint32_t> weights_;
  std::mt19937_64& random_;
};

}  // namespace meshproxy::upstream
