#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/tracing/span_context.h"
#include "proxy/tracing/trace_ids.h"

namespace meshproxy::tracing {

using SystemTime = std::chrono::system_clock::time_point;

// SERVER: the span of a request this proxy received (the HCM's downstream span). CLIENT: a
// request it sends (the router's upstream span with spawn_upstream_span, or the egress span).
enum class SpanKind { kServer, kClient };

struct SpanTag {
  std::string key;
  std::string value;
  bool operator==(const SpanTag&) const = default;
};

// A timestamped event on the span (the verbose timing marks: "last_downstream_rx_byte_received"
// ...). Zipkin calls them annotations, OTLP events.
struct SpanAnnotation {
  SystemTime time;
  std::string value;
  bool operator==(const SpanAnnotation&) const = default;
};

// One finished (or running) span, the unit the exporters serialize. Tags are strings, as Envoy's
// Span::setTag writes them; the OTLP serializer turns them into string attributes.
struct Span {
  TraceId trace_id;
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;  // 0: a root span
  std::string name;
  SpanKind kind = SpanKind::kServer;
  SystemTime start{};
  SystemTime end{};
  bool sampled = false;
  // Zipkin shared_span_context: this server span reuses the id of the caller's client span.
  bool shared = false;
  bool debug = false;
  std::string tracestate;  // W3C, carried from the caller
  std::vector<SpanTag> tags;
  std::vector<SpanAnnotation> annotations;

  // Sets or replaces a tag (Envoy's setTag overwrites: the last value wins).
  void setTag(std::string_view key, std::string_view value);
  const std::string* findTag(std::string_view key) const;
  // The tag "error" is "true" (set for 5xx and for a missing response).
  bool hasError() const;
  void log(SystemTime time, std::string_view event) {
    annotations.push_back({time, std::string(event)});
  }
  std::chrono::microseconds duration() const;

  bool operator==(const Span&) const = default;
};

struct SpanStartOptions {
  SpanKind kind = SpanKind::kServer;
  // Ids this tracer creates: 128-bit trace ids (OpenTelemetry always; Zipkin's trace_id_128bit).
  bool trace_id_128bit = true;
  // Zipkin's shared_span_context: a SERVER span continuing a caller's span reuses the caller's
  // span id (and its parent) instead of creating a child.
  bool shared_span_context = false;
};

// The span for a request that came in with `parent` (the extracted context, or nullopt):
//  - a valid parent: same trace; a child of the caller's span (or, shared, the caller's span
//    itself, marked shared), with the parent's tracestate;
//  - otherwise a new trace with a new root span.
// Sampled: the caller's decision when it sent one (debug forces it), else `traced` (this hop's
// decision, sampling_decision.h), as Envoy's OpenTelemetry and Zipkin tracers do.
Span startSpan(const std::optional<SpanContext>& parent, std::string name, SystemTime start,
               bool traced, const SpanStartOptions& options, std::mt19937_64& random);

// A child of `parent` in the same trace (the router's upstream span), with the parent's
// sampling decision and tracestate.
Span startChildSpan(const Span& parent, std::string name, SpanKind kind, SystemTime start,
                    std::mt19937_64& random);

}  // namespace meshproxy::tracing
