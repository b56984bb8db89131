#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshproxy::tracing {

// Why a request is traced, as Envoy's Tracing::Reason.
enum class TraceReason {
  kNotTraceable,
  kHealthCheck,
  kSampling,       // random_sampling picked it
  kServiceForced,  // x-envoy-force-trace
  kClientForced,   // x-client-trace-id (and client_sampling)
};

// Envoy's UUID request id extension (envoy.request_id.uuid) carries the trace decision inside
// x-request-id, so every proxy on the path (and the logs) agree on it without another header: the
// 15th character (index 14, the UUID version digit, '4' in a fresh v4 UUID) becomes
//   '9' sampled, 'a' forced by the service, 'b' forced by the client, '4' not traced.
// Only a 36-character id is read or rewritten; anything else is "not traceable" and left alone.
TraceReason traceReasonFromRequestId(std::string_view request_id);
// Rewrites the marker in place; false (id unchanged) when the id is not 36 characters. Health
// check is not encoded (the id is left as it is), as in Envoy.
bool setTraceReasonInRequestId(std::string& request_id, TraceReason reason);

// The number the sampling decision is taken on: the id's first 8 characters as hex, so every
// proxy that sees the same x-request-id takes the same random_sampling / overall_sampling
// decision. nullopt when the id is shorter or those characters are not hex.
std::optional<uint64_t> requestIdToInteger(std::string_view request_id);

}  // namespace meshproxy::tracing
