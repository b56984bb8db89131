#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "proxy/tracing/span.h"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}

namespace meshproxy::tracing {

// What OTLP says about the process that produced the spans.
struct OtlpResource {
  std::string service_name = "unknown_service:envoy";
  // More resource attributes (OTEL_RESOURCE_ATTRIBUTES through the environment detector).
  std::vector<std::pair<std::string, std::string>> attributes;
  // The instrumentation scope, as Envoy names it.
  std::string scope_name = "envoy";
  std::string scope_version;
};

// One ResourceSpans (resource: service.name first, then the attributes) with one ScopeSpans
// holding the spans: ids as bytes (16 and 8, big-endian), kind SERVER/CLIENT, nanosecond times,
// tags as string attributes, annotations as events, tracestate. The status is ERROR as Envoy's
// OpenTelemetry tracer sets it: http.status_code below 100 or 5xx on any span, 4xx on a CLIENT
// span; and for a span tagged error=true (gRPC server errors, no response).
void appendOtlpSpans(std::span<const Span> spans, const OtlpResource& resource,
                     opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& out);

// The reverse, for tests and the collector stand-in: every span of every ResourceSpans (sampled
// set: only sampled spans are exported). Attributes of other types than string are printed.
std::vector<Span> spansFromOtlp(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);

}  // namespace meshproxy::tracing
