#include "proxy/tracing/request_id_trace_reason.h"

namespace meshproxy::tracing {
namespace {

constexpr size_t kUuidLength = 36;
constexpr size_t kTraceBytePosition = 14;
constexpr char kNoTrace = '4';
constexpr char kTraceSampled = '9';
constexpr char kTraceForced = 'a';
constexpr char kTraceClient = 'b';

}  // namespace

TraceReason traceReasonFromRequestId(std::string_view request_id) {
  if (request_id.size() != kUuidLength) return TraceReason::kNotTraceable;
  switch (request_id[kTraceBytePosition]) {
    case kTraceForced:
      return TraceReason::kServiceForced;
    case kTraceSampled:
      return TraceReason::kSampling;
    case kTraceClient:
      return TraceReason::kClientForced;
    default:
      return TraceReason::kNotTraceable;
  }
}

bool setTraceReasonInRequestId(std::string& request_id, TraceReason reason) {
  if (request_id.size() != kUuidLength) return false;
  char& marker = request_id[kTraceBytePosition];
  switch (reason) {
    case TraceReason::kServiceForced:
      marker = kTraceForced;
      break;
    case TraceReason::kClientForced:
      marker = kTraceClient;
      break;
    case TraceReason::kSampling:
      marker = kTraceSampled;
      break;
    case TraceReason::kNotTraceable:
      marker = kNoTrace;
      break;
    case TraceReason::kHealthCheck:
      break;
  }
  return true;
}

std::optional<uint64_t> requestIdToInteger(std::string_view request_id) {
  if (request_id.size() < 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : request_id.substr(0, 8)) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<uint64_t>(d);
  }
  return value;
}

}  // namespace meshproxy::tracing
