#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace meshproxy::tracing {

// A 128-bit trace id. B3 also carries 64-bit ones: those have high == 0 and are written with 16
// hex digits when the tracer is configured for 64-bit ids (Zipkin's trace_id_128bit: false).
struct TraceId {
  uint64_t high = 0;
  uint64_t low = 0;

  bool isZero() const { return high == 0 && low == 0; }
  bool operator==(const TraceId&) const = default;
};

// Lower-case hex of exactly 16 digits ("00f067aa0ba902b7").
std::string spanIdToHex(uint64_t id);
// 32 lower-case hex digits, or 16 (the low half) when `width` is 16.
std::string traceIdToHex(const TraceId& id, int width = 32);

// Exactly 16 hex digits; `lowercase_only` rejects 'A'-'F' (W3C requires lower case, B3 readers
// accept either). All-zero ids parse: callers decide whether zero is valid where they are.
std::optional<uint64_t> parseHex64(std::string_view hex, bool lowercase_only);
// 16 or 32 hex digits (a 64-bit id has high == 0).
std::optional<TraceId> parseTraceIdHex(std::string_view hex, bool lowercase_only);

// Fresh ids from the caller's generator (each worker has its own, so no lock). Never zero: zero
// means "invalid" in W3C and B3 alike.
uint64_t newSpanId(std::mt19937_64& random);
// A 128-bit id, or a 64-bit one (high == 0) when `bits128` is false.
TraceId newTraceId(std::mt19937_64& random, bool bits128 = true);

}  // namespace meshproxy::tracing
