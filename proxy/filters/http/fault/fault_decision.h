#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/core/random.h"
#include "proxy/filters/http/fault/fault_config.h"
#include "proxy/http/header_map.h"

// What envoy.filters.http.fault does to one request, decided from its headers, its route's
// cluster and random draws: the filter's decodeHeaders calls decideFaults() and then only acts
// (a timer for the delay, a local reply for the abort, a paced encoder for the rate limit).
namespace meshproxy::filters::fault {

// The request headers that control faults (Envoy's names).
inline constexpr std::string_view kDelayHeader = "x-envoy-fault-delay-request";
inline constexpr std::string_view kDelayPercentageHeader = "x-envoy-fault-delay-request-percentage";
inline constexpr std::string_view kAbortHeader = "x-envoy-fault-abort-request";
inline constexpr std::string_view kAbortGrpcHeader = "x-envoy-fault-abort-grpc-request";
inline constexpr std::string_view kAbortPercentageHeader = "x-envoy-fault-abort-request-percentage";
inline constexpr std::string_view kThroughputHeader = "x-envoy-fault-throughput-response";
inline constexpr std::string_view kThroughputPercentageHeader =
    "x-envoy-fault-throughput-response-percentage";
inline constexpr std::string_view kDownstreamNodeHeader = "x-envoy-downstream-service-node";
inline constexpr std::string_view kDownstreamClusterHeader = "x-envoy-downstream-service-cluster";

// A slot of max_active_faults held for the life of a request that got a fault.
class ActiveFaultSlot {
 public:
  ActiveFaultSlot() = default;
  explicit ActiveFaultSlot(ActiveFaults* active) : active_(active) {}
  ActiveFaultSlot(ActiveFaultSlot&& other) noexcept : active_(other.active_) {
    other.active_ = nullptr;
  }
  ActiveFaultSlot& operator=(ActiveFaultSlot&& other) noexcept;
  ~ActiveFaultSlot() {
    if (active_ != nullptr) active_->leave();
  }
  bool held() const { return active_ != nullptr; }

 private:
  ActiveFaults* active_ = nullptr;
};

struct AbortAction {
  uint32_t http_status = 200;           // the local reply's status
  std::optional<uint32_t> grpc_status;  // set: a gRPC reply (grpc-status) with that code
};

struct FaultDecision {
  // The request waits this long before going on (or being aborted, if `abort` is also set:
  // Envoy aborts after the delay).
  std::optional<std::chrono::milliseconds> delay;
  std::optional<AbortAction> abort;
  // The response body paced to this many KiB per second.
  std::optional<uint64_t> response_rate_kbps;
  // Kept by the filter until the stream ends; released by its destructor.
  ActiveFaultSlot slot;

  bool any() const { return delay || abort || response_rate_kbps; }
};

// Envoy's FaultFilter::decodeHeaders order: the request must match upstream_cluster (the
// route's cluster), downstream_nodes and headers; then, if max_active_faults are already
// active, no fault (faults_overflow); then each configured fault applies with its own draw of
// its percentage (header-controlled ones only when their header carries a valid value). Counts
// response_rl_injected, delays_injected and aborts_injected (and the downstream cluster's).
// With a delay, the abort is decided here too (Envoy decides it when the delay ends, with an
// independent draw: the same distribution).
FaultDecision decideFaults(const FaultConfig& config, const http::HeaderMap& request,
                           std::string_view route_cluster, RandomSource& random);
// The same with the settings of `config` (a route's, whose stats/active may be null) counted
// in the filter's `stats` and `active` faults.
FaultDecision decideFaults(const FaultConfig& config, const FaultStats& stats,
                           ActiveFaults& active, const http::HeaderMap& request,
                           std::string_view route_cluster, RandomSource& random);

}  // namespace meshproxy::filters::fault
