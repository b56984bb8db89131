#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "proxy/upstream/host.h"

namespace meshproxy::upstream {
class Http1ConnPool;

// One worker's state for one host: what the router counts and the connections it pools.
struct HostState {
  uint32_t active_requests = 0;
  std::unique_ptr<Http1ConnPool> pool;
  HostState();
  ~HostState();
};
using HostStateVector = std::vector<std::shared_ptr<HostState>>;
}  // namespace meshproxy::upstream

namespace meshproxy::upstream {

// Chooses a host for each new connection or request. One instance per worker per cluster:
// its state is touched by one thread only, so it needs no synchronization.
class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // Index into the cluster's hosts, or -1 when there are none.
  virtual int chooseHost() = 0;
};

// Smooth weighted round robin (the nginx algorithm): with equal weights it is plain round
// robin; with unequal weights picks are interleaved instead of bunched (a 3:1 split gives
// a,a,b,a rather than a,a,a,b). Each worker starts at a random offset so that N workers do
// not all send their first connection to the same host.
class RoundRobinLoadBalancer : public LoadBalancer {
 public:
  RoundRobinLoadBalancer(const HostVector& hosts, uint64_t seed);
  int chooseHost() override;

 private:
  const HostVector& hosts_;
  std::vector<uint32_t> weights_;  // copied when built: see Host::weight()
  bool weighted_ = false;
  size_t next_ = 0;
  int64_t total_weight_ = 0;
  std::vector<int64_t> current_;
};

// Envoy's LEAST_REQUEST with equal weights: the power of two choices. Two hosts drawn at
// random, the one with fewer active requests wins; almost as good as a full scan, O(1).
// With unequal weights a host's active count is divided by its weight.
class LeastRequestLoadBalancer : public LoadBalancer {
 public:
  // `states` holds this worker's active requests per host, kept by the router.
  LeastRequestLoadBalancer(const HostVector& hosts, const HostStateVector& states,
                           std::mt19937_64& random);
  int chooseHost() override;

 private:
  const HostVector& hosts_;
  std::vector<uint32_t> weights_;
  const HostStateVector& states_;
  std::mt19937_64& random_;
};

}  // namespace meshproxy::upstream
