#pragma once

#include <cstdint>
#include <memory>

#include "proxy/tracing/http_tracing_config.h"
#include "proxy/tracing/span.h"
#include "proxy/tracing/span_buffer.h"
#include "proxy/tracing/span_exporter.h"
#include "proxy/tracing/span_tags.h"

namespace meshproxy::tracing {

// Which headers a tracer reads on ingress and writes on egress: Envoy's OpenTelemetry tracer
// speaks W3C trace context, its Zipkin tracer B3 (multi-header written, single "b3" read too).
enum class Propagation { kW3C, kB3 };

// One configured provider (envoy.tracers.opentelemetry or .zipkin), translated once on the main
// thread and shared by every connection manager that names the same config and by every
// worker. Each worker keeps one export queue per `slot` (SpanSinks), so an LDS update that
// keeps the provider config keeps the queue.
struct Tracer {
  uint32_t slot = 0;  // tracerSlots().intern(the provider config, serialized)
  Propagation propagation = Propagation::kW3C;
  // Zipkin names a span after the request's host, OpenTelemetry "ingress"/"egress <host>".
  bool name_by_host = false;
  bool trace_id_128bit = true;       // OpenTelemetry always; Zipkin's trace_id_128bit
  bool shared_span_context = false;  // Zipkin's shared_span_context (default true there)
  // Empty: spans are made and propagated but go nowhere (OpenTelemetry without an exporter).
  SpanEncoder encoder;
  SpanBufferOptions buffer;
  SpanExporterStats stats;  // tracing.<opentelemetry|zipkin>.*, created at config time
};

// A worker's export queues, by tracer slot. Implemented over the worker's async HTTP client
// (upstream/worker_span_sinks.h); reached through WorkerContext::span_sinks. add() never
// blocks: a full queue drops the span and counts it.
class SpanSinks {
 public:
  virtual ~SpanSinks() = default;
  virtual void add(const std::shared_ptr<const Tracer>& tracer, Span span) = 0;
};

// The HTTP connection manager's tracing, translated: the HCM's `tracing` block, the provider
// it resolved to (its own, else the bootstrap's tracing.http), and who this proxy is.
struct HttpTracer {
  HttpTracingConfig config;
  RequestIdTracingOptions request_id;
  // Null: no provider anywhere. As Envoy's null tracer, the sampling decision is still taken
  // (and written into x-request-id) but no span is made and no trace header is written.
  std::shared_ptr<const Tracer> tracer;
  // The listener's traffic_direction: OUTBOUND (or unspecified) is egress, as in Envoy.
  bool egress = true;
  LocalTracingInfo local;
};

}  // namespace meshproxy::tracing
