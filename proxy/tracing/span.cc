#include "proxy/tracing/span.h"

#include <utility>

namespace meshproxy::tracing {

void Span::setTag(std::string_view key, std::string_view value) {
  for (SpanTag& tag : tags) {
    if (tag.key == key) {
      tag.value.assign(value);
      return;
    }
  }
  tags.push_back({std::string(key), std::string(value)});
}

const std::string* Span::findTag(std::string_view key) const {
  for (const SpanTag& tag : tags) {
    if (tag.key == key) return &tag.value;
  }
  return nullptr;
}

bool Span::hasError() const {
  const std::string* error = findTag("error");
  return error != nullptr && *error == "true";
}

std::chrono::microseconds Span::duration() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(end - start);
}

Span startSpan(const std::optional<SpanContext>& parent, std::string name, SystemTime start,
               bool traced, const SpanStartOptions& options, std::mt19937_64& random) {
  Span span;
  span.name = std::move(name);
  span.kind = options.kind;
  span.start = start;
  span.end = start;
  const bool continues = parent.has_value() && parent->valid();
  if (continues) {
    span.trace_id = parent->trace_id;
    span.tracestate = parent->tracestate;
    if (options.shared_span_context && options.kind == SpanKind::kServer) {
      span.span_id = parent->span_id;
      span.parent_span_id = parent->parent_span_id;
      span.shared = true;
    } else {
      span.span_id = newSpanId(random);
      span.parent_span_id = parent->span_id;
    }
  } else {
    span.trace_id = newTraceId(random, options.trace_id_128bit);
    span.span_id = newSpanId(random);
  }
  span.debug = parent.has_value() && parent->debug;
  if (parent.has_value() && parent->sampled.has_value()) {
    span.sampled = *parent->sampled || span.debug;
  } else {
    span.sampled = traced || span.debug;
  }
  return span;
}

Span startChildSpan(const Span& parent, std::string name, SpanKind kind, SystemTime start,
                    std::mt19937_64& random) {
  Span span;
  span.trace_id = parent.trace_id;
  span.span_id = newSpanId(random);
  span.parent_span_id = parent.span_id;
  span.name = std::move(name);
  span.kind = kind;
  span.start = start;
  span.end = start;
  span.sampled = parent.sampled;
  span.debug = parent.debug;
  span.tracestate = parent.tracestate;
  return span;
}

}  // namespace meshproxy::tracing
