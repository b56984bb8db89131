#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace meshproxy::tracing {

// The request headers as propagation reads and writes them. The connection manager adapts its
// header map to this (a few one-line forwards), so tracing sits below http/ in the layering and
// its parsers are tested without a codec. Names are lower case.
class TraceHeaders {
 public:
  virtual ~TraceHeaders() = default;

  // First value, or nullopt when absent.
  virtual std::optional<std::string_view> get(std::string_view name) const = 0;
  // Number of fields of that name (a repeated traceparent is invalid).
  virtual size_t count(std::string_view name) const = 0;
  // Every value joined with "," (tracestate may arrive split over several fields).
  virtual std::optional<std::string> getJoined(std::string_view name) const = 0;
  // Replaces every field of that name with one.
  virtual void set(std::string_view name, std::string_view value) = 0;
  virtual void remove(std::string_view name) = 0;
};

// Header names, lower case.
namespace headers {
inline constexpr std::string_view kTraceparent = "traceparent";
inline constexpr std::string_view kTracestate = "tracestate";
inline constexpr std::string_view kB3 = "b3";
inline constexpr std::string_view kB3TraceId = "x-b3-traceid";
inline constexpr std::string_view kB3SpanId = "x-b3-spanid";
inline constexpr std::string_view kB3ParentSpanId = "x-b3-parentspanid";
inline constexpr std::string_view kB3Sampled = "x-b3-sampled";
inline constexpr std::string_view kB3Flags = "x-b3-flags";
inline constexpr std::string_view kRequestId = "x-request-id";
inline constexpr std::string_view kClientTraceId = "x-client-trace-id";
inline constexpr std::string_view kEnvoyForceTrace = "x-envoy-force-trace";
}  // namespace headers

}  // namespace meshproxy::tracing
