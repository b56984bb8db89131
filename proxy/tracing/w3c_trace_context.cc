#include "proxy/tracing/w3c_trace_context.h"

#include <algorithm>
#include <vector>

namespace meshproxy::tracing {
namespace {

constexpr size_t kTraceparentSize = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr size_t kMaxTracestateMembers = 32;

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool isLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isKeyChar(char c) {
  return isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

// key = simple-key / multi-tenant-key
// simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// multi-tenant-key = tenant-id "@" system-id
// tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
bool validKey(std::string_view key) {
  const size_t at = key.find('@');
  if (at == std::string_view::npos) {
    if (key.empty() || key.size() > 256 || !isLcAlpha(key.front())) return false;
    return std::all_of(key.begin(), key.end(), isKeyChar);
  }
  std::string_view tenant = key.substr(0, at);
  std::string_view system = key.substr(at + 1);
  if (tenant.empty() || tenant.size() > 241 || !(isLcAlpha(tenant[0]) || isDigit(tenant[0]))) {
    return false;
  }
  if (system.empty() || system.size() > 14 || !isLcAlpha(system[0])) return false;
  return std::all_of(tenant.begin(), tenant.end(), isKeyChar) &&
         std::all_of(system.begin(), system.end(), isKeyChar);
}

// value = 0*255(chr) nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E; chr = %x20 / nblk-chr
bool validValue(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return c == ' ' || (c >= 0x21 && c <= 0x7e && c != ',' && c != '=');
  });
}

}  // namespace

std::optional<SpanContext> parseTraceparent(std::string_view value) {
  value = trimOws(value);
  if (value.size() < kTraceparentSize) return std::nullopt;
  if (!isLowerHex(value[0]) || !isLowerHex(value[1]) || value.substr(0, 2) == "ff") {
    return std::nullopt;
  }
  const bool version_00 = value.substr(0, 2) == "00";
  if (version_00 && value.size() != kTraceparentSize) return std::nullopt;
  // A future version may append fields, each after a '-'.
  if (!version_00 && value.size() > kTraceparentSize && value[kTraceparentSize] != '-') {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  auto trace_id = parseTraceIdHex(value.substr(3, 32), /*lowercase_only=*/true);
  auto span_id = parseHex64(value.substr(36, 16), /*lowercase_only=*/true);
  if (!trace_id || !span_id || trace_id->isZero() || *span_id == 0) return std::nullopt;
  if (!isLowerHex(value[53]) || !isLowerHex(value[54])) return std::nullopt;
  const int low_nibble = isDigit(value[54]) ? value[54] - '0' : value[54] - 'a' + 10;
  SpanContext context;
  context.trace_id = *trace_id;
  context.span_id = *span_id;
  context.sampled = (low_nibble & 1) != 0;
  return context;
}

std::string formatTraceparent(const TraceId& trace_id, uint64_t span_id, bool sampled) {
  std::string out;
  out.reserve(kTraceparentSize);
  out.append("00-");
  out.append(traceIdToHex(trace_id));
  out.push_back('-');
  out.append(spanIdToHex(span_id));
  out.append(sampled ? "-01" : "-00");
  return out;
}

std::optional<std::string> normalizeTracestate(std::string_view value) {
  std::string out;
  std::vector<std::string_view> keys;
  while (true) {
    const size_t comma = value.find(',');
    std::string_view member = trimOws(value.substr(0, comma));
    if (!member.empty()) {
      const size_t eq = member.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      std::string_view key = member.substr(0, eq);
      if (!validKey(key) || !validValue(member.substr(eq + 1))) return std::nullopt;
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) return std::nullopt;
      keys.push_back(key);
      if (keys.size() > kMaxTracestateMembers) return std::nullopt;
      if (!out.empty()) out.push_back(',');
      out.append(member);
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<SpanContext> extractW3C(const TraceHeaders& headers) {
  if (headers.count(headers::kTraceparent) != 1) return std::nullopt;
  auto context = parseTraceparent(*headers.get(headers::kTraceparent));
  if (!context) return std::nullopt;
  if (auto state = headers.getJoined(headers::kTracestate)) {
    context->tracestate = normalizeTracestate(*state).value_or("");
  }
  return context;
}

void injectW3C(TraceHeaders& headers, const TraceId& trace_id, uint64_t span_id, bool sampled,
               std::string_view tracestate) {
  headers.set(headers::kTraceparent, formatTraceparent(trace_id, span_id, sampled));
  if (tracestate.empty()) {
    headers.remove(headers::kTracestate);
  } else {
    headers.set(headers::kTracestate, tracestate);
  }
}

}  // namespace meshproxy::tracing
