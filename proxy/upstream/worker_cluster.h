#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/upstream/lb_context.h"
#include "proxy/upstream/load_balancer.h"
#include "proxy/upstream/worker_host.h"

// The cluster front end of one worker: what the router and tcp_proxy call to reach a cluster.
//
// Lifetimes (no reference counting per request):
//  - A snapshot's ClusterConfig, and the Host objects its host list holds, are shared by all
//    workers through shared_ptr; a worker takes those references when it applies a
//    snapshot, never per request.
//  - Each worker has one WorkerCluster per cluster (WorkerClusterManager), which owns that
//    worker's state: the config reference, a WorkerHost per host (load-balancer counters,
//    connection pools) and the load balancer.
//  - A stream that uses a cluster holds a ClusterPin on it (a plain counter on the worker's
//    own object) from the moment it looks the cluster up until the stream's objects are
//    destroyed, i.e. after its access log line was written. When a snapshot replaces or
//    removes a pinned WorkerCluster, the manager retires it instead of deleting it, and
//    deletes it (deferred) when the last pin goes. So everything reachable from a pinned
//    WorkerCluster stays valid for the stream: its ClusterConfig (name, stats), its hosts
//    (StreamInfo keeps a plain pointer to the Host) and its pools.
//  - An attempt (or tcp_proxy connection) also holds a HostPin on the WorkerHost it chose:
//    ORIGINAL_DST hosts, made per destination on demand, are swept only when unpinned.
//  - WorkerHosts that a rebuild keeps (same Host object) move to the successor cluster with
//    their pools, so connections survive unrelated updates.
namespace meshproxy::upstream {

class WorkerClusterManager;

class WorkerCluster : public DeferredDeletable {
 public:
  // Takes over from `previous` (the same cluster in the last snapshot, or null) the
  // WorkerHosts of hosts that are still there, and ORIGINAL_DST's destinations.
  WorkerCluster(WorkerClusterManager& manager, ClusterConfigSharedPtr config,
                WorkerCluster* previous);
  ~WorkerCluster() override;
  WorkerCluster(const WorkerCluster&) = delete;
  WorkerCluster& operator=(const WorkerCluster&) = delete;

  const ClusterConfig& config() const { return *config_; }
  const ClusterConfigSharedPtr& sharedConfig() const { return config_; }

  // The host for one request or connection, or nullptr when there is none (no hosts; an
  // ORIGINAL_DST request without a usable destination). Picks again, up to
  // context.hostSelectionRetryCount() times, while context.shouldSelectAnotherHost() asks for
  // it, and then takes the last pick (Envoy's LoadBalancerBase::chooseHost). The host stays
  // valid while the caller holds a ClusterPin on this cluster.
  WorkerHost* chooseHost(const LbContext& context);

  // The pool of `host` (a host this cluster chose) for `key`, made on first use.
  ConnPool* httpPool(WorkerHost& host, const PoolKey& key);

  const WorkerHostVector& hosts() const { return hosts_; }
  const WorkerHostVector& healthyHosts() const { return healthy_hosts_; }
  uint32_t pins() const { return pins_; }
  bool retired() const { return retired_; }

  // ORIGINAL_DST: the destination a pick for `context` goes to: the request header
  // (original_dst_lb_config.use_http_header), else the downstream connection's original
  // destination, with the port override applied. nullopt when there is none: a header that
  // does not parse, or a connection whose destination original_dst did not restore (it is
  // this listener itself, and going there would loop back into meshproxy).
  static std::optional<network::Address> originalDestination(const ClusterConfig& cluster,
                                                             const LbContext& context);
  // ORIGINAL_DST hosts not pinned and unused for cleanup_interval are dropped (with their
  // pools). Runs from a timer every cleanup_interval once the cluster has hosts.
  void sweepOriginalDstHosts(uint64_t now_ms);
  size_t originalDstHostCount() const { return original_dst_hosts_.size(); }

 private:
  friend class ClusterPin;
  friend class WorkerClusterManager;
  struct OriginalDstHost {
    WorkerHostSharedPtr host;
    uint64_t last_used_ms = 0;
  };

  void pin() { ++pins_; }
  void unpin();
  // Replaced or removed while pinned: hosts the successor did not take drain their pools.
  void retire();
  // Starts the sweep timer; then the host for `address` (made on first use), if any.
  WorkerHost* originalDstHost(const std::optional<network::Address>& address);

  WorkerClusterManager& manager_;
  ClusterConfigSharedPtr config_;
  WorkerHostVector hosts_;  // per index of config_->hosts
  // The hosts without a health flag when this cluster was built: what the balancer picks
  // from. A flag that flips later (active health checks, outlier detection) must rebuild the
  // cluster on each worker to take effect, as an EDS update does.
  WorkerHostVector healthy_hosts_;
  std::unique_ptr<LoadBalancer> lb_;
  absl::flat_hash_map<std::string, OriginalDstHost> original_dst_hosts_;
  std::unique_ptr<Timer> cleanup_timer_;
  uint32_t pins_ = 0;
  bool retired_ = false;
};

// Keeps a WorkerCluster alive; see the lifetime rules above. Move-only.
class ClusterPin {
 public:
  ClusterPin() = default;
  explicit ClusterPin(WorkerCluster& cluster) : cluster_(&cluster) { cluster.pin(); }
  ClusterPin(ClusterPin&& other) noexcept : cluster_(std::exchange(other.cluster_, nullptr)) {}
  ClusterPin& operator=(ClusterPin&& other) noexcept {
    if (this != &other) {
      reset();
      cluster_ = std::exchange(other.cluster_, nullptr);
    }
    return *this;
  }
  ClusterPin(const ClusterPin&) = delete;
  ClusterPin& operator=(const ClusterPin&) = delete;
  ~ClusterPin() { reset(); }

  void reset() {
    if (cluster_ != nullptr) std::exchange(cluster_, nullptr)->unpin();
  }
  WorkerCluster* get() const { return cluster_; }
  WorkerCluster* operator->() const { return cluster_; }
  WorkerCluster& operator*() const { return *cluster_; }
  explicit operator bool() const { return cluster_ != nullptr; }

 private:
  WorkerCluster* cluster_ = nullptr;
};

}  // namespace meshproxy::upstream
