#include "proxy/tracing/trace_ids.h"

namespace meshproxy::tracing {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendHex(std::string& out, uint64_t v) {
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 0xf]);
}

int hexValue(char c, bool lowercase_only) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (!lowercase_only && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string spanIdToHex(uint64_t id) {
  std::string out;
  out.reserve(16);
  appendHex(out, id);
  return out;
}

std::string traceIdToHex(const TraceId& id, int width) {
  std::string out;
  out.reserve(32);
  if (width != 16) appendHex(out, id.high);
  appendHex(out, id.low);
  return out;
}

std::optional<uint64_t> parseHex64(std::string_view hex, bool lowercase_only) {
  if (hex.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : hex) {
    int d = hexValue(c, lowercase_only);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::optional<TraceId> parseTraceIdHex(std::string_view hex, bool lowercase_only) {
  if (hex.size() == 16) {
    auto low = parseHex64(hex, lowercase_only);
    if (!low) return std::nullopt;
    return TraceId{0, *low};
  }
  if (hex.size() == 32) {
    auto high = parseHex64(hex.substr(0, 16), lowercase_only);
    auto low = parseHex64(hex.substr(16), lowercase_only);
    if (!high || !low) return std::nullopt;
    return TraceId{*high, *low};
  }
  return std::nullopt;
}

uint64_t newSpanId(std::mt19937_64& random) {
  uint64_t id = 0;
  while (id == 0) id = random();
  return id;
}

TraceId newTraceId(std::mt19937_64& random, bool bits128) {
  TraceId id;
  while (id.isZero()) id = TraceId{bits128 ? random() : 0, random()};
  return id;
}

}  // namespace meshproxy::tracing
