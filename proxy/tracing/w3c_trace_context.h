#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/tracing/span_context.h"
#include "proxy/tracing/trace_headers.h"

namespace meshproxy::tracing {

// W3C Trace Context (https://www.w3.org/TR/trace-context/): traceparent and tracestate.

// Parses one traceparent value, or nullopt when it must be ignored:
//  - "VV-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", lower-case hex only, surrounding
//    spaces/tabs tolerated;
//  - version "ff" is invalid; version 00 is exactly 55 characters; a higher version is parsed
//    as 00 when it is at least 55 characters and anything after the flags starts with '-';
//  - an all-zero trace id or parent id is invalid.
// `sampled` is the flags' low bit. The result's tracestate is empty.
std::optional<SpanContext> parseTraceparent(std::string_view value);

// "00-<trace id>-<span id>-01" (or "-00" when not sampled).
std::string formatTraceparent(const TraceId& trace_id, uint64_t span_id, bool sampled);

// The tracestate list normalized (members trimmed, empty members dropped, joined with ","), or
// nullopt when it is invalid and must be discarded whole: a malformed key or value, a duplicate
// key, or more than 32 members. An empty list is valid (an empty string).
std::optional<std::string> normalizeTracestate(std::string_view value);

// Reads traceparent and tracestate from the request. A missing, repeated or invalid traceparent
// gives nullopt (and tracestate is then not read, as the spec requires); an invalid tracestate
// is dropped while the traceparent is kept.
std::optional<SpanContext> extractW3C(const TraceHeaders& headers);

// Writes traceparent for the span this hop created (trace id, its span id, its decision) and
// the tracestate it carries on (removed when empty).
void injectW3C(TraceHeaders& headers, const TraceId& trace_id, uint64_t span_id, bool sampled,
               std::string_view tracestate);

}  // namespace meshproxy::tracing
