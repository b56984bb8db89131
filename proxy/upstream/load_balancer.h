#pragma once

#include <cstdint>
#include <random>

#include "proxy/upstream/host.h"

namespace meshproxy::upstream {

// Chooses a host for each new connection or request. One instance per worker per cluster:
// its state is touched by one thread only, so it needs no synchronization.
class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // nullptr when the cluster has no hosts.
  virtual const Host* chooseHost() = 0;
};

// Smooth weighted round robin (the nginx algorithm): with equal weights it is plain round
// robin; with unequal weights picks are interleaved instead of bunched (a 3:1 split gives
// a,a,b,a rather than a,a,a,b). Each worker starts at a random offset so that N workers do
// not all send their first connection to the same host.
class RoundRobinLoadBalancer : public LoadBalancer {
 public:
  RoundRobinLoadBalancer(const HostVector& hosts, uint64_t seed);
  const Host* chooseHost() override;

 private:
  const HostVector& hosts_;
  bool weighted_ = false;
  size_t next_ = 0;
  int64_t total_weight_ = 0;
  std::vector<int64_t> current_;
};

}  // namespace meshproxy::upstream
