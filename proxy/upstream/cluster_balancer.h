#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/load_balancer.h"
#include "proxy/upstream/priority_load.h"

namespace meshproxy::upstream {

// One worker's balancer for one cluster, built once per host-set change (WorkerCluster's
// constructor) and then only read: the hosts split by priority level, the share of traffic
// each level gets (priority_load.h: overprovisioning failover, panic threshold), and per
// level the policy's LoadBalancer over the level's healthy hosts (all of them in panic), or,
// with locality_weighted_lb_config, one per locality picked by locality weight.
//
// The consistent-hashing policies take their tables from ClusterConfig::lb_tables, built by
// the first worker and shared read-only by the others.
class ClusterBalancer {
 public:
  ClusterBalancer(const ClusterConfig& config, const WorkerHostVector& hosts,
                  std::mt19937_64& random, uint64_t seed);
  ~ClusterBalancer();

  // attempt 0: the first pick for a request; >= 1: another pick because the last one is to be
  // avoided (see LoadBalancer::pickAgain). nullptr when there is no host to pick.
  WorkerHost* pick(const LbContext& context, uint32_t attempt);

  // The hosts without a health flag, over all levels.
  const WorkerHostVector& healthyHosts() const { return healthy_; }
  const PriorityLoad& priorityLoad() const { return load_; }

 private:
  class Level;
  std::unique_ptr<LoadBalancer> makeBalancer(const WorkerHostVector& hosts);

  const ClusterConfig& config_;
  std::mt19937_64& random_;
  uint64_t seed_;
  WorkerHostVector healthy_;
  std::vector<std::unique_ptr<Level>> levels_;
  PriorityLoad load_;
};

}  // namespace meshproxy::upstream
