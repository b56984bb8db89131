#pragma once

#include <cstdint>
#include <vector>

// How Envoy spreads a cluster's traffic over its priority levels (EDS
// LocalityLbEndpoints.priority) and when a level is in panic. Pure functions, built once per
// host-set change by each worker (WorkerCluster), tested on their own.
namespace meshproxy::upstream {

struct PriorityHealth {
  uint32_t hosts = 0;    // all hosts of the level
  uint32_t healthy = 0;  // hosts without a health flag
};

struct PriorityLoad {
  // Percent of the traffic per level; the sum is 100 (all zero when there is no host at all).
  std::vector<uint32_t> load;
  // A level in panic balances over all of its hosts, healthy or not.
  std::vector<bool> panic;
};

// Envoy's rules: a level's health is min(100, overprovisioning_factor% x healthy share);
// levels take load in priority order up to their health, the total normalized to 100 when the
// health sum is below it, so priority 0 spills to 1 in proportion as its hosts fail.
// While that sum is below 100, a level whose healthy share (without overprovisioning) is below
// panic_threshold percent is in panic. With no healthy host anywhere every level is in panic
// and the load follows the host counts (Envoy's total panic). panic_threshold 0 never panics.
PriorityLoad computePriorityLoad(const std::vector<PriorityHealth>& levels,
                                 uint32_t overprovisioning_factor, double panic_threshold);

// The level for `value` (a hash or a random number): the load as cumulative percentages.
uint32_t choosePriority(const std::vector<uint32_t>& load, uint64_t value);

// The effective weight of a locality for locality_weighted_lb_config: its configured weight
// scaled by its availability, min(1, overprovisioning_factor% x healthy / hosts).
double localityEffectiveWeight(uint32_t weight, uint32_t hosts, uint32_t healthy,
                               uint32_t overprovisioning_factor);

}  // namespace meshproxy::upstream
