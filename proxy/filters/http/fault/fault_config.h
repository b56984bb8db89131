#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "proxy/core/fractional_percent.h"
#include "proxy/matcher/header_matcher.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/scope.h"

namespace envoy::extensions::filters::http::fault::v3 {
class HTTPFault;
}

// envoy.filters.http.fault, translated once: which requests get a fault and which one. The
// decisions are in fault_decision.h; the filter only runs timers and sends the local reply.
namespace meshproxy::filters::fault {

// A percentage that, for the header-controlled faults, the request may lower (never raise):
// <header>-percentage carries a numerator over the configured denominator (Envoy's
// HeaderPercentageProvider).
struct FaultPercentage {
  FractionalPercent configured;
  bool header_controlled = false;
};

// common.fault.v3.FaultDelay.
struct DelayFault {
  // fixed_delay; nullopt: header_delay (x-envoy-fault-delay-request, milliseconds).
  std::optional<std::chrono::milliseconds> fixed;
  FaultPercentage percentage;
};

// FaultAbort.
struct AbortFault {
  // One of the three, as the proto's oneof: http_status, grpc_status, or header_abort
  // (x-envoy-fault-abort-request / x-envoy-fault-abort-grpc-request).
  std::optional<uint32_t> http_status;
  std::optional<uint32_t> grpc_status;
  bool header_controlled = false;
  FaultPercentage percentage;
};

// common.fault.v3.FaultRateLimit: the response body paced to this many KiB/s.
struct ResponseRateLimitFault {
  // fixed_limit.limit_kbps; nullopt: header_limit (x-envoy-fault-throughput-response).
  std::optional<uint64_t> fixed_kbps;
  FaultPercentage percentage;
};

// http.<hcm stat_prefix>.fault.* as Envoy names them.
struct FaultStats {
  stats::Counter& delays_injected;
  stats::Counter& aborts_injected;
  stats::Counter& response_rl_injected;
  stats::Counter& faults_overflow;
  stats::Gauge& active_faults;
  // fault.<downstream cluster>.{delays,aborts}_injected (x-envoy-downstream-service-cluster),
  // unless disable_downstream_cluster_stats. The stat is looked up by name: only when a fault
  // is injected, never on a request that gets none.
  stats::Scope scope;
  bool downstream_cluster_stats = true;
  void recordDelay(std::string_view downstream_cluster) const;
  void recordAbort(std::string_view downstream_cluster) const;
};

// The faults in progress, for max_active_faults: one per request that got any fault, shared
// by every worker (Envoy's active_faults gauge; here an exact limit by compare-and-swap, touched
// only by requests that a fault applies to).
class ActiveFaults {
 public:
  // `gauge` (fault.active_faults) mirrors the count; null in tests that need no stats.
  explicit ActiveFaults(stats::Gauge* gauge = nullptr) : gauge_(gauge) {}
  // Takes a slot unless `max` are active already.
  bool tryEnter(std::optional<uint64_t> max);
  void leave();
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> count_{0};
  stats::Gauge* gauge_;
};

struct FaultConfig {
  std::optional<DelayFault> delay;
  std::optional<AbortFault> abort;
  std::optional<ResponseRateLimitFault> response_rate_limit;
  std::string upstream_cluster;                       // empty: any
  std::vector<matcher::HeaderMatcher> headers;        // all must match
  absl::flat_hash_set<std::string> downstream_nodes;  // x-envoy-downstream-service-node
  std::optional<uint64_t> max_active_faults;          // nullopt: unlimited
  // filter_metadata as JSON, for the dynamic metadata of a request that got a fault (under
  // "envoy.filters.http.fault"); empty when not set.
  std::string filter_metadata_json;
  // Filter-level configs own the stats and the active count; a route's config (per_route)
  // uses its filter's.
  std::shared_ptr<const FaultStats> stats;
  std::shared_ptr<ActiveFaults> active;
};

// Every field translated: delay, abort, response_rate_limit, upstream_cluster, headers,
// downstream_nodes, max_active_faults, filter_metadata, disable_downstream_cluster_stats. The
// *_runtime keys are accepted: they name values in Envoy's runtime layer, which meshproxy does
// not have; an Envoy whose runtime does not set them uses the configured values, as meshproxy
// does. `stats_scope`: the connection manager's "http.<stat_prefix>" scope. `per_route`: a
// route's typed_per_filter_config, which counts into `filter`'s stats and active faults.
absl::StatusOr<std::shared_ptr<const FaultConfig>> translateFault(
    const envoy::extensions::filters::http::fault::v3::HTTPFault& proto,
    const stats::Scope& stats_scope);
// A route's config translated without its filter (the per-route translator has none): stats
// and active are null; decide with the filter's (decideFaults' second form).
// disable_downstream_cluster_stats is refused (it is the filter's).
absl::StatusOr<std::shared_ptr<const FaultConfig>> translateFaultSettings(
    const envoy::extensions::filters::http::fault::v3::HTTPFault& proto);
absl::StatusOr<std::shared_ptr<const FaultConfig>> translateFaultPerRoute(
    const envoy::extensions::filters::http::fault::v3::HTTPFault& proto, const FaultConfig& filter);

}  // namespace meshproxy::filters::fault
