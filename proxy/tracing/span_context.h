#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "proxy/tracing/trace_ids.h"

namespace meshproxy::tracing {

// What a request carried in from its caller: the caller's span (the parent of the span this hop
// creates) and its sampling decision. Extracted by w3c_trace_context.h or b3.h.
struct SpanContext {
  TraceId trace_id;
  // The caller's span id.
  uint64_t span_id = 0;
  // B3 only: the caller's own parent (x-b3-parentspanid), needed when this hop shares the
  // caller's span (Zipkin's shared_span_context). 0 when absent.
  uint64_t parent_span_id = 0;
  // The caller's decision; nullopt when it sent none (B3 lets the callee decide).
  std::optional<bool> sampled;
  // B3 debug (x-b3-flags: 1, or "d" in single b3): sample, and ask the collector to keep it.
  bool debug = false;
  // W3C tracestate, passed on unchanged (combined into one list when it came in several fields).
  std::string tracestate;

  // Both ids present: a child can be created under it. A B3 header that carried only a sampling
  // decision ("b3: 0", "x-b3-sampled: 1" alone) gives a context that is not valid but whose
  // `sampled` still applies to the new root span.
  bool valid() const { return !trace_id.isZero() && span_id != 0; }
};

}  // namespace meshproxy::tracing
