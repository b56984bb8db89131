#include "proxy/tracing/span_tags.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::tracing {
namespace {

std::string_view headerOr(const accesslog::HeaderLookup* headers, std::string_view name,
                          std::string_view fallback) {
  if (headers == nullptr) return fallback;
  return headers->get(name).value_or(fallback);
}

void tagIfPresent(Span& span, std::string_view tag, const accesslog::HeaderLookup& headers,
                  std::string_view name) {
  if (auto v = headers.get(name)) span.setTag(tag, *v);
}

bool isGrpcRequest(const accesslog::HeaderLookup& headers) {
  auto type = headers.get("content-type");
  return type && absl::StartsWith(toAbsl(*type), "application/grpc");
}

// Envoy tags a gRPC status as an error only when the server is at fault (issue 18877): the
// client-side codes (OK, CANCELLED, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
// PERMISSION_DENIED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNAUTHENTICATED) are not.
bool isServerSideGrpcError(uint32_t status) {
  switch (status) {
    case 2:   // UNKNOWN
    case 4:   // DEADLINE_EXCEEDED
    case 8:   // RESOURCE_EXHAUSTED
    case 12:  // UNIMPLEMENTED
    case 13:  // INTERNAL
    case 14:  // UNAVAILABLE
    case 15:  // DATA_LOSS
      return true;
    default:
      return false;
  }
}

void addGrpcResponseTags(Span& span, const accesslog::HeaderLookup* headers) {
  if (headers == nullptr) return;
  auto status = headers->get("grpc-status");
  if (!status) return;
  span.setTag(tags::kGrpcStatusCode, *status);
  tagIfPresent(span, tags::kGrpcMessage, *headers, "grpc-message");
  uint32_t code = 0;
  if (absl::SimpleAtoi(toAbsl(*status), &code) && isServerSideGrpcError(code)) {
    span.setTag(tags::kError, tags::kTrue);
  }
}

void annotateVerbose(Span& span, const accesslog::StreamInfo& info) {
  const std::pair<const std::optional<accesslog::StreamInfo::Duration>*, std::string_view> marks[] =
      {
          {&info.last_downstream_rx_byte_received, "last_downstream_rx_byte_received"},
          {&info.first_upstream_rx_byte_received, "first_upstream_rx_byte_received"},
          {&info.last_downstream_tx_byte_sent, "last_downstream_tx_byte_sent"},
      };
  for (const auto& [offset, name] : marks) {
    if (offset->has_value()) {
      span.log(info.start_time + std::chrono::duration_cast<SystemTime::duration>(**offset), name);
    }
  }
}

}  // namespace

std::string operationName(bool egress, std::string_view host) {
  if (!egress) return "ingress";
  return absl::StrCat("egress ", toAbsl(host));
}

std::string buildOriginalUri(const accesslog::HeaderLookup& request_headers,
                             uint32_t max_path_length) {
  auto path = request_headers.get("x-envoy-original-path");
  if (!path) path = request_headers.get(":path");
  if (!path) return "";
  std::string_view p = *path;
  if (p.size() > max_path_length) p = p.substr(0, max_path_length);
  return absl::StrCat(toAbsl(request_headers.get(":scheme").value_or("")), "://",
                      toAbsl(request_headers.get(":authority").value_or("")), toAbsl(p));
}

void setLocalTags(Span& span, const LocalTracingInfo& local) {
  span.setTag(tags::kNodeId, local.node_id);
  span.setTag(tags::kZone, local.zone);
}

std::string_view addressWithoutPort(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    return close == std::string_view::npos ? address : address.substr(1, close - 1);
  }
  const size_t colon = address.rfind(':');
  // One colon: "ip:port". More (a bare IPv6 address) or none: no port to strip.
  if (colon == std::string_view::npos || address.find(':') != colon) return address;
  return address.substr(0, colon);
}

void setCommonTags(Span& span, const accesslog::StreamInfo& info,
                   const SpanFinishSettings& settings) {
  span.setTag(tags::kComponent, tags::kProxy);
  if (!info.upstream_cluster.empty()) {
    span.setTag(tags::kUpstreamCluster, info.upstream_cluster);
    span.setTag(tags::kUpstreamClusterName, info.upstream_cluster);
  }
  span.setTag(tags::kHttpStatusCode, absl::StrCat(info.response_code));
  std::string flags;
  accesslog::appendResponseFlags(info.response_flags, flags);
  span.setTag(tags::kResponseFlags, flags);
  if (settings.verbose) annotateVerbose(span, info);
  if (info.response_code == 0 || (info.response_code >= 500 && info.response_code < 600)) {
    span.setTag(tags::kError, tags::kTrue);
  }
  if (settings.custom_tags != nullptr) {
    applyCustomTags(span, *settings.custom_tags, info.request_headers, settings.metadata);
  }
}

void finalizeDownstreamSpan(Span& span, const accesslog::StreamInfo& info,
                            const SpanFinishSettings& settings, SystemTime end) {
  if (const accesslog::HeaderLookup* request = info.request_headers) {
    tagIfPresent(span, tags::kGuidXRequestId, *request, "x-request-id");
    span.setTag(tags::kHttpUrl, buildOriginalUri(*request, settings.max_path_tag_length));
    span.setTag(tags::kHttpMethod, request->get(":method").value_or(""));
    span.setTag(tags::kDownstreamCluster,
                headerOr(request, "x-envoy-downstream-service-cluster", "-"));
    span.setTag(tags::kUserAgent, headerOr(request, "user-agent", "-"));
    span.setTag(tags::kHttpProtocol, info.protocol.empty() ? "-" : info.protocol);
    span.setTag(tags::kPeerAddress, addressWithoutPort(info.downstream_direct_remote_address));
    tagIfPresent(span, tags::kGuidXClientTraceId, *request, "x-client-trace-id");
    if (isGrpcRequest(*request)) {
      tagIfPresent(span, tags::kGrpcPath, *request, ":path");
      tagIfPresent(span, tags::kGrpcAuthority, *request, ":authority");
      tagIfPresent(span, tags::kGrpcContentType, *request, "content-type");
      tagIfPresent(span, tags::kGrpcTimeout, *request, "grpc-timeout");
    }
  }
  span.setTag(tags::kRequestSize, absl::StrCat(info.bytes_received));
  span.setTag(tags::kResponseSize, absl::StrCat(info.bytes_sent));
  setCommonTags(span, info, settings);
  addGrpcResponseTags(span, info.response_headers);
  addGrpcResponseTags(span, info.response_trailers);
  span.end = end;
}

void finalizeUpstreamSpan(Span& span, const accesslog::StreamInfo& info,
                          const SpanFinishSettings& settings, SystemTime end) {
  span.setTag(tags::kHttpProtocol, info.protocol.empty() ? "-" : info.protocol);
  if (std::string_view host = info.upstreamHostAddress(); !host.empty()) {
    span.setTag(tags::kUpstreamAddress, host);
    span.setTag(tags::kPeerAddress, host);
  }
  setCommonTags(span, info, settings);
  span.end = end;
}

}  // namespace meshproxy::tracing
