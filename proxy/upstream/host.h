#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/accesslog/stream_info.h"
#include "proxy/network/address.h"
#include "proxy/protobuf/metadata.h"

namespace meshproxy::upstream {

// Where an endpoint runs (EDS LocalityLbEndpoints.locality).
struct Locality {
  std::string region;
  std::string zone;
  std::string sub_zone;
  bool operator==(const Locality&) const = default;
};

// Where active health checks of an endpoint go (Endpoint.health_check_config): `port`
// replaces the address's port (0: keep it), `hostname` is the HTTP health check's Host
// header when the check names none (empty: the cluster name).
struct HealthCheckTarget {
  uint32_t port = 0;
  std::string hostname;
  bool operator==(const HealthCheckTarget&) const = default;
};

// Why a host is not healthy (Envoy's Host::HealthFlag, the ones meshproxy will set). A host
// with no flag set is healthy. Each source sets and clears its own flag: EDS health_status,
// active health checks, outlier detection.
enum class HealthFlag : uint32_t {
  kFailedActiveHc = 1u << 0,
  kFailedOutlierCheck = 1u << 1,
  kFailedEdsHealth = 1u << 2,
};

// What workers report about requests to one host, for outlier detection: the main thread
// sums the stripes and decides; workers only count. One stripe per worker (its own cache
// line), so counting costs no shared-line traffic on the request path.
struct alignas(64) HostOutcomes {
  std::atomic<uint64_t> success{0};               // a response that is not a 5xx
  std::atomic<uint64_t> error{0};                 // a 5xx from the host
  std::atomic<uint64_t> local_origin_failure{0};  // connect failure, reset, timeout
  std::atomic<uint64_t> local_origin_success{0};  // connected (split_external_local_origin_errors)
};

// Failures in a row, for outlier detection's consecutive_* detectors: shared by all workers
// (a streak spans workers), written only when outlier detection is on. A worker that makes a
// count reach its threshold wakes the main thread, which decides (outlier_reporter.h).
struct OutlierStreaks {
  std::atomic<uint32_t> consecutive_5xx{0};
  std::atomic<uint32_t> consecutive_gateway_failure{0};
  std::atomic<uint32_t> consecutive_local_origin_failure{0};
};

// One endpoint of a cluster, shared by every worker. The identity (address, hostname,
// locality) is immutable; what changes while the host lives (weight and priority from EDS,
// health flags from health checks and outlier detection, outcome counters) is atomic.
//
// Stable across updates: when EDS, DNS or CDS delivers the cluster again, an endpoint with the
// same address, hostname and locality keeps its Host object (reconcileHosts), so its health
// state and each worker's connection pools for it survive the rebuild.
class Host final : public accesslog::UpstreamHostDescription {
 public:
  Host(network::Address address, std::string hostname, uint32_t weight = 1, Locality locality = {},
       uint32_t priority = 0);
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const network::Address& address() const { return address_; }
  // The name the endpoint was configured with (DNS name or IP), for /clusters and logs.
  const std::string& hostname() const { return hostname_; }

  // accesslog::UpstreamHostDescription
  std::string_view addressString() const override { return address_.str(); }
  std::string_view hostnameString() const override { return hostname_; }
  const Locality& locality() const { return locality_; }

  // Set once by discovery before the host is shared, never after (part of its identity: a
  // changed target makes a new Host, as in Envoy).
  void setHealthCheckTarget(HealthCheckTarget target) { health_check_target_ = std::move(target); }
  const HealthCheckTarget& healthCheckTarget() const { return health_check_target_; }
  // LbEndpoint.metadata and its LocalityLbEndpoints.metadata (null: none), set once by
  // discovery before the host is shared, never after: changed metadata makes a new Host
  // (reconcileHosts). Read by transport_socket_matches and by logs and filters that want the
  // endpoint's labels (Istio's "istio" namespace, "envoy.transport_socket_match").
  void setMetadata(protobuf::MetadataSharedPtr endpoint, protobuf::MetadataSharedPtr locality) {
    metadata_ = std::move(endpoint);
    locality_metadata_ = std::move(locality);
  }
  const envoy::config::core::v3::Metadata* metadata() const { return metadata_.get(); }
  const envoy::config::core::v3::Metadata* localityMetadata() const {
    return locality_metadata_.get();
  }
  // The address active health checks connect to.
  network::Address healthCheckAddress() const;

  // Load balancers copy the weight when they are built (once per host-set change); reading it
  // per pick would make a weight update half-visible to a running balancer.
  uint32_t weight() const { return weight_.load(std::memory_order_relaxed); }
  void setWeight(uint32_t weight) { weight_.store(weight, std::memory_order_relaxed); }
  uint32_t priority() const { return priority_.load(std::memory_order_relaxed); }
  void setPriority(uint32_t priority) { priority_.store(priority, std::memory_order_relaxed); }
  // LocalityLbEndpoints.load_balancing_weight of the endpoint's locality (0: not set), for
  // locality_weighted_lb_config.
  uint32_t localityWeight() const { return locality_weight_.load(std::memory_order_relaxed); }
  void setLocalityWeight(uint32_t w) { locality_weight_.store(w, std::memory_order_relaxed); }
  // ClusterLoadAssignment.policy.overprovisioning_factor of the assignment that delivered the
  // endpoint (percent, Envoy's default 140): how much of a priority level or locality may fail
  // before traffic spills over. The same for every host of one cluster.
  uint32_t overprovisioningFactor() const {
    return overprovisioning_factor_.load(std::memory_order_relaxed);
  }
  void setOverprovisioningFactor(uint32_t f) {
    overprovisioning_factor_.store(f, std::memory_order_relaxed);
  }

  bool healthy() const { return health_flags_.load(std::memory_order_acquire) == 0; }
  bool healthFlag(HealthFlag flag) const {
    return (health_flags_.load(std::memory_order_acquire) & static_cast<uint32_t>(flag)) != 0;
  }
  uint32_t healthFlags() const { return health_flags_.load(std::memory_order_acquire); }
  void setHealthFlag(HealthFlag flag) {
    health_flags_.fetch_or(static_cast<uint32_t>(flag), std::memory_order_acq_rel);
  }
  void clearHealthFlag(HealthFlag flag) {
    health_flags_.fetch_and(~static_cast<uint32_t>(flag), std::memory_order_acq_rel);
  }

  // The stripe worker `worker_index` counts into (relaxed adds; the owner worker is the only
  // writer when there are at least as many stripes as workers).
  HostOutcomes& outcomes(uint32_t worker_index) const {
    return outcomes_[worker_index % outcome_stripes_];
  }
  // Sums over all stripes (the main thread, later: outlier detection, /clusters).
  struct OutcomeTotals {
    uint64_t success = 0;
    uint64_t error = 0;
    uint64_t local_origin_failure = 0;
    uint64_t local_origin_success = 0;
  };
  OutcomeTotals outcomeTotals() const;
  OutlierStreaks& outlierStreaks() const { return *streaks_; }

  // Stripes given to hosts made from now on: the number of workers. The server sets it once
  // before it loads config; tests leave the default of 1.
  static void setOutcomeStripes(uint32_t stripes);

 private:
  const network::Address address_;
  const std::string hostname_;
  const Locality locality_;
  HealthCheckTarget health_check_target_;
  protobuf::MetadataSharedPtr metadata_;
  protobuf::MetadataSharedPtr locality_metadata_;
  std::atomic<uint32_t> weight_;
  std::atomic<uint32_t> priority_;
  std::atomic<uint32_t> locality_weight_{0};
  std::atomic<uint32_t> overprovisioning_factor_{140};
  std::atomic<uint32_t> health_flags_{0};
  const uint32_t outcome_stripes_;
  const std::unique_ptr<HostOutcomes[]> outcomes_;
  const std::unique_ptr<OutlierStreaks> streaks_ = std::make_unique<OutlierStreaks>();
};

using HostSharedPtr = std::shared_ptr<Host>;
using HostVector = std::vector<HostSharedPtr>;

// The host list of a cluster after an update: `incoming` as discovery delivered it (new Host
// objects), with every endpoint that `current` already had (same address, hostname, locality,
// health check target and metadata) replaced by the current object, whose weight, priority,
// locality weight, overprovisioning factor and EDS health flag take the incoming values. `changed`
// is false when the result equals `current` (same objects, same order, same weights, priorities and
// EDS health): nothing for the workers to rebuild. Main thread.
struct ReconciledHosts {
  HostVector hosts;
  bool changed = false;
};
ReconciledHosts reconcileHosts(const HostVector& current, const HostVector& incoming);

}  // namespace meshproxy::upstream
