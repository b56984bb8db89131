#pragma once

#include <cstdint>
#include <string>

#include "proxy/tracing/request_id_trace_reason.h"

namespace meshproxy::tracing {

// A fraction as Envoy's FractionalPercent: picked when `value % denominator < numerator`.
struct SamplingFraction {
  uint64_t numerator = 0;
  uint64_t denominator = 100;  // 100, 10000 or 1000000

  bool picks(uint64_t value) const { return value % denominator < numerator; }
  bool operator==(const SamplingFraction&) const = default;
};

// The HCM's (or a route's) sampling knobs, with Envoy's defaults: everything sampled. The HCM's
// Percent fields become these as Envoy converts them: client_sampling out of 100 (the percent
// truncated), random_sampling and overall_sampling out of 10000 (the percent times 100, rounded).
struct SamplingConfig {
  SamplingFraction client{100, 100};
  SamplingFraction random{10000, 10000};
  SamplingFraction overall{10000, 10000};
};

// The request id extension's two switches (UuidRequestIdConfig), both true by default.
struct RequestIdTracingOptions {
  bool pack_trace_reason = true;
  bool use_request_id_for_trace_sampling = true;
};

// What the decision reads from the request. `request_id` is the x-request-id the connection
// manager has already set or kept (it is rewritten in place to carry the decision); the other two
// tell whether x-client-trace-id and x-envoy-force-trace are present (the connection manager
// removes x-envoy-force-trace from external requests before this runs, as Envoy does).
struct SamplingInput {
  std::string* request_id = nullptr;  // nullptr: the request has none
  bool has_client_trace_id = false;
  bool has_force_trace = false;
};

// Envoy's ConnectionManagerUtility::mutateTracingRequestHeader:
//  - without use_request_id_for_trace_sampling: Sampling (the tracer decides);
//  - no usable request id: NotTraceable;
//  - a decision already in the id (an upstream proxy took it) is kept;
//  - otherwise x-client-trace-id with client_sampling (on `client_random`, a fresh random number)
//    gives ClientForced, else x-envoy-force-trace ServiceForced, else random_sampling on the id's
//    integer % 10000 Sampling;
//  - then overall_sampling on the same integer may turn any of those into NotTraceable.
// Each change is written into the request id (when pack_trace_reason).
TraceReason decideTraceReason(const SamplingConfig& config, const RequestIdTracingOptions& options,
                              const SamplingInput& input, uint64_t client_random);

// Envoy's Tracing::Decision: whether this hop traces, from the reason.
inline bool isTraced(TraceReason reason) {
  return reason == TraceReason::kSampling || reason == TraceReason::kServiceForced ||
         reason == TraceReason::kClientForced;
}

}  // namespace meshproxy::tracing
