#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "proxy/accesslog/stream_info.h"
#include "proxy/tracing/http_tracer.h"
#include "proxy/tracing/request_id_trace_reason.h"
#include "proxy/tracing/span.h"
#include "proxy/tracing/trace_headers.h"

namespace meshproxy::tracing {

// What the connection manager knows of the request when it starts tracing it.
struct RequestTraceInputs {
  std::string_view host;  // :authority
  const RouteTracingConfig* route = nullptr;
  // The route's decorator.operation (empty: none) and decorator.propagate.
  std::string_view decorator_operation;
  bool decorator_propagate = true;
};

// The tracing of one HTTP request, as Envoy's ConnectionManagerImpl::ActiveStream::traceRequest
// and the router do it. Made only for requests of a connection manager that configures
// `tracing` (so an untraced listener pays one null check per request); it lives in the stream.
class StreamTrace {
 public:
  explicit StreamTrace(const HttpTracer& tracer) : tracer_(tracer) {}
  StreamTrace(const StreamTrace&) = delete;
  StreamTrace& operator=(const StreamTrace&) = delete;

  // After the request headers were sanitized and x-request-id settled: takes the sampling
  // decision (written into x-request-id), reads the caller's context (W3C or B3, by tracer),
  // starts this hop's span and writes its context into the request for the next hop. The
  // decorator names the span; on egress its operation is passed on in
  // x-envoy-decorator-operation, on ingress that header (from the caller) names the span and is
  // removed.
  void onRequestHeaders(TraceHeaders& headers, const RequestTraceInputs& in, SystemTime start,
                        std::mt19937_64& random);

  // The router is about to send the request upstream (spawn_upstream_span): a CLIENT child span
  // "router <cluster> egress" whose context replaces this hop's in the request. Once per
  // request (a retry carries the same span). No-op without spawn_upstream_span or a span.
  void onUpstreamRequest(TraceHeaders& headers, std::string_view cluster, SystemTime now,
                         std::mt19937_64& random);

  // The stream ended: the spans get Envoy's tags and go to this worker's export queue (sampled
  // ones only; `sinks` null: nowhere).
  void finish(const accesslog::StreamInfo& info, SystemTime end, SpanSinks* sinks);

  TraceReason reason() const { return reason_; }
  const Span* span() const { return span_ ? &*span_ : nullptr; }
  const Span* upstreamSpan() const { return upstream_span_ ? &*upstream_span_ : nullptr; }

 private:
  void inject(TraceHeaders& headers, const Span& span) const;

  const HttpTracer& tracer_;
  TraceReason reason_ = TraceReason::kNotTraceable;
  const RouteTracingConfig* route_ = nullptr;
  std::optional<Span> span_;
  std::optional<Span> upstream_span_;
};

}  // namespace meshproxy::tracing
