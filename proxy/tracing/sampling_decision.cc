#include "proxy/tracing/sampling_decision.h"

namespace meshproxy::tracing {

TraceReason decideTraceReason(const SamplingConfig& config, const RequestIdTracingOptions& options,
                              const SamplingInput& input, uint64_t client_random) {
  if (!options.use_request_id_for_trace_sampling) return TraceReason::kSampling;
  if (input.request_id == nullptr) return TraceReason::kNotTraceable;
  const auto as_integer = requestIdToInteger(*input.request_id);
  if (!as_integer) return TraceReason::kNotTraceable;
  const uint64_t result = *as_integer % 10000;

  auto record = [&](TraceReason reason) {
    if (options.pack_trace_reason) setTraceReasonInRequestId(*input.request_id, reason);
    return reason;
  };

  TraceReason reason = traceReasonFromRequestId(*input.request_id);
  if (reason == TraceReason::kNotTraceable) {
    if (input.has_client_trace_id && config.client.picks(client_random)) {
      reason = record(TraceReason::kClientForced);
    } else if (input.has_force_trace) {
      reason = record(TraceReason::kServiceForced);
    } else if (config.random.picks(result)) {
      reason = record(TraceReason::kSampling);
    }
  }
  if (reason != TraceReason::kNotTraceable && !config.overall.picks(result)) {
    reason = record(TraceReason::kNotTraceable);
  }
  return reason;
}

}  // namespace meshproxy::tracing
