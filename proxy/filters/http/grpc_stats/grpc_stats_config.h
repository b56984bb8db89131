#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/histogram.h"
#include "proxy/stats/store.h"

namespace meshproxy::filters::grpc_stats {

// The counters of one stat prefix: cluster.<c>.grpc[.<service>.<method>] (Envoy's
// Grpc::Context names). Per-status counters (".0", ".14") are made on first use.
struct GrpcCallStats {
  stats::Scope scope;
  stats::Counter& success;
  stats::Counter& failure;
  stats::Counter& total;
  stats::Counter& request_message_count;
  stats::Counter& response_message_count;
  stats::Histogram* upstream_rq_time;           // enable_upstream_stats only
  std::array<stats::Counter*, 17> by_status{};  // gRPC codes 0..16
};

// envoy.filters.http.grpc_stats FilterConfig, translated, plus the per-worker caches that
// give a stream its stats without a lock (the Store's mutex is taken once per new name and
// worker).
class GrpcStatsConfig {
 public:
  enum class Mode {
    kAllMethods,  // stats_for_all_methods: true
    kAllowlist,   // individual_method_stats_allowlist
    kNoMethods,   // neither (Envoy's default: stats_for_all_methods false)
  };

  GrpcStatsConfig(stats::Store& store, uint32_t workers) : store_(store), caches_(workers) {}

  Mode mode = Mode::kNoMethods;
  bool enable_upstream_stats = false;
  bool replace_dots_in_grpc_service_name = false;
  // "service/method" of individual_method_stats_allowlist.
  absl::flat_hash_set<std::string> allowlist;

  // The stats a call to `path` (":path", "/<service>/<method>") on `cluster` is counted in,
  // nullptr when it is not counted (stats_for_all_methods and a path that names no method).
  // Worker `worker` only; that worker's cache, filled on first use.
  GrpcCallStats* statsFor(uint32_t worker, std::string_view cluster, std::string_view path) const;

  // Counts one call's grpc-status (a decimal code; other values count in failure only).
  static void chargeStatus(GrpcCallStats& stats, std::string_view grpc_status);

 private:
  struct ClusterStats {
    std::unique_ptr<GrpcCallStats> unnamed;
    absl::flat_hash_map<std::string, std::unique_ptr<GrpcCallStats>> by_method;
  };
  using WorkerCache = absl::flat_hash_map<std::string, ClusterStats>;

  std::unique_ptr<GrpcCallStats> make(const stats::Scope& scope) const;

  stats::Store& store_;
  // One per worker, touched only by its worker: mutable because filling it is not a change
  // of the configuration.
  mutable std::vector<WorkerCache> caches_;
};

}  // namespace meshproxy::filters::grpc_stats
