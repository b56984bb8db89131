#include "proxy/tracing/b3.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "proxy/core/strings.h"

namespace meshproxy::tracing {
namespace {

// Reads a sampling state of the single header into `context`; false when it is not one.
bool parseSamplingState(std::string_view state, SpanContext& context) {
  if (state == "1") {
    context.sampled = true;
  } else if (state == "0") {
    context.sampled = false;
  } else if (state == "d") {
    context.sampled = true;
    context.debug = true;
  } else {
    return false;
  }
  return true;
}

bool parseIds(std::string_view trace_hex, std::string_view span_hex, SpanContext& context) {
  auto trace_id = parseTraceIdHex(trace_hex, /*lowercase_only=*/false);
  auto span_id = parseHex64(span_hex, /*lowercase_only=*/false);
  if (!trace_id || !span_id || trace_id->isZero() || *span_id == 0) return false;
  context.trace_id = *trace_id;
  context.span_id = *span_id;
  return true;
}

}  // namespace

std::optional<SpanContext> parseB3Single(std::string_view value) {
  std::vector<absl::string_view> parts = absl::StrSplit(toAbsl(value), '-');
  SpanContext context;
  if (parts.size() == 1) {
    if (!parseSamplingState(toStd(parts[0]), context)) return std::nullopt;
    return context;
  }
  if (parts.size() > 4 || !parseIds(toStd(parts[0]), toStd(parts[1]), context)) {
    return std::nullopt;
  }
  if (parts.size() >= 3 && !parseSamplingState(toStd(parts[2]), context)) return std::nullopt;
  if (parts.size() == 4) {
    auto parent = parseHex64(toStd(parts[3]), /*lowercase_only=*/false);
    if (!parent || *parent == 0) return std::nullopt;
    context.parent_span_id = *parent;
  }
  return context;
}

std::string formatB3Single(const TraceId& trace_id, uint64_t span_id, uint64_t parent_span_id,
                           bool sampled, bool debug) {
  std::string out = traceIdToHex(trace_id, trace_id.high != 0 ? 32 : 16);
  out.push_back('-');
  out.append(spanIdToHex(span_id));
  out.append(debug ? "-d" : sampled ? "-1" : "-0");
  if (parent_span_id != 0) {
    out.push_back('-');
    out.append(spanIdToHex(parent_span_id));
  }
  return out;
}

std::optional<SpanContext> extractB3(const TraceHeaders& headers) {
  if (auto single = headers.get(headers::kB3)) return parseB3Single(*single);

  auto trace = headers.get(headers::kB3TraceId);
  auto span = headers.get(headers::kB3SpanId);
  auto sampled = headers.get(headers::kB3Sampled);
  auto flags = headers.get(headers::kB3Flags);
  if (!trace && !span && !sampled && !flags) return std::nullopt;

  SpanContext context;
  if (sampled) {
    if (*sampled == "1" || *sampled == "true") context.sampled = true;
    if (*sampled == "0" || *sampled == "false") context.sampled = false;
  }
  if (flags && *flags == "1") {
    context.debug = true;
    context.sampled = true;
  }
  if (trace && span) {
    SpanContext ids;
    bool ok = parseIds(*trace, *span, ids);
    if (auto parent = headers.get(headers::kB3ParentSpanId); ok && parent) {
      auto parent_id = parseHex64(*parent, /*lowercase_only=*/false);
      ok = parent_id && *parent_id != 0;
      if (ok) ids.parent_span_id = *parent_id;
    }
    if (ok) {
      context.trace_id = ids.trace_id;
      context.span_id = ids.span_id;
      context.parent_span_id = ids.parent_span_id;
    }
  }
  return context;
}

void injectB3(TraceHeaders& headers, const TraceId& trace_id, uint64_t span_id,
              uint64_t parent_span_id, bool sampled, bool debug) {
  headers.remove(headers::kB3);
  headers.set(headers::kB3TraceId, traceIdToHex(trace_id, trace_id.high != 0 ? 32 : 16));
  headers.set(headers::kB3SpanId, spanIdToHex(span_id));
  if (parent_span_id != 0) {
    headers.set(headers::kB3ParentSpanId, spanIdToHex(parent_span_id));
  } else {
    headers.remove(headers::kB3ParentSpanId);
  }
  headers.set(headers::kB3Sampled, sampled || debug ? "1" : "0");
  if (debug) {
    headers.set(headers::kB3Flags, "1");
  } else {
    headers.remove(headers::kB3Flags);
  }
}

}  // namespace meshproxy::tracing
