#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/tracing/span_context.h"
#include "proxy/tracing/trace_headers.h"

namespace meshproxy::tracing {

// B3 propagation (https://github.com/openzipkin/b3-propagation), as Envoy's Zipkin tracer
// reads and writes it. Ids are 16 hex digits (span ids, 64-bit trace ids) or 32 (128-bit trace
// ids); either case of hex is read, lower case is written. An all-zero id is invalid. A trace
// id is written with 32 digits when its high half is set, else 16 (Envoy keeps the width it
// received; Zipkin's trace_id_128bit decides only the width of ids it creates).

// The single header: "{trace}-{span}", "{trace}-{span}-{state}", "{trace}-{span}-{state}-{parent}"
// or "{state}" alone, where state is "1" (sampled), "0" (not) or "d" (debug, implies sampled).
// nullopt when malformed. A lone state gives a context with only `sampled`/`debug` set.
std::optional<SpanContext> parseB3Single(std::string_view value);

// "{trace}-{span}-{1|0|d}" plus "-{parent}" when parent_span_id is not 0.
std::string formatB3Single(const TraceId& trace_id, uint64_t span_id, uint64_t parent_span_id,
                           bool sampled, bool debug);

// Reads the request's B3 context. The single "b3" header wins when present (a malformed one gives
// nullopt; the x-b3-* headers are not consulted then, as in Envoy). Otherwise the x-b3-*
// headers: x-b3-traceid and x-b3-spanid together give a context (an invalid id, or an invalid
// x-b3-parentspanid, voids it); x-b3-sampled "1"/"true" and "0"/"false" give the decision (any
// other value none); x-b3-flags "1" is debug, which implies sampled. Sampling headers alone give a
// context that is not valid() but carries the decision. nullopt when no B3 header is present.
std::optional<SpanContext> extractB3(const TraceHeaders& headers);

// Writes x-b3-traceid, x-b3-spanid, x-b3-parentspanid (removed when 0) and x-b3-sampled for the
// span this hop created; x-b3-flags "1" when debug; removes a single "b3" header so the two forms
// cannot disagree downstream.
void injectB3(TraceHeaders& headers, const TraceId& trace_id, uint64_t span_id,
              uint64_t parent_span_id, bool sampled, bool debug);

}  // namespace meshproxy::tracing
