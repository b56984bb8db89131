#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/accesslog/header_lookup.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/tracing/custom_tags.h"
#include "proxy/tracing/span.h"

namespace meshproxy::tracing {

// Envoy's tag names (Tracing::Tags), so dashboards and queries written for Envoy's spans match.
namespace tags {
inline constexpr std::string_view kComponent = "component";
inline constexpr std::string_view kProxy = "proxy";
inline constexpr std::string_view kNodeId = "node_id";
inline constexpr std::string_view kZone = "zone";
inline constexpr std::string_view kGuidXRequestId = "guid:x-request-id";
inline constexpr std::string_view kGuidXClientTraceId = "guid:x-client-trace-id";
inline constexpr std::string_view kHttpUrl = "http.url";
inline constexpr std::string_view kHttpMethod = "http.method";
inline constexpr std::string_view kHttpProtocol = "http.protocol";
inline constexpr std::string_view kHttpStatusCode = "http.status_code";
inline constexpr std::string_view kDownstreamCluster = "downstream_cluster";
inline constexpr std::string_view kUserAgent = "user_agent";
inline constexpr std::string_view kPeerAddress = "peer.address";
inline constexpr std::string_view kRequestSize = "request_size";
inline constexpr std::string_view kResponseSize = "response_size";
inline constexpr std::string_view kResponseFlags = "response_flags";
inline constexpr std::string_view kUpstreamCluster = "upstream_cluster";
inline constexpr std::string_view kUpstreamClusterName = "upstream_cluster.name";
inline constexpr std::string_view kUpstreamAddress = "upstream_address";
inline constexpr std::string_view kError = "error";
inline constexpr std::string_view kTrue = "true";
inline constexpr std::string_view kGrpcPath = "grpc.path";
inline constexpr std::string_view kGrpcAuthority = "grpc.authority";
inline constexpr std::string_view kGrpcContentType = "grpc.content_type";
inline constexpr std::string_view kGrpcTimeout = "grpc.timeout";
inline constexpr std::string_view kGrpcStatusCode = "grpc.status_code";
inline constexpr std::string_view kGrpcMessage = "grpc.message";
}  // namespace tags

// Envoy's operation names: "ingress" for a listener of inbound traffic, "egress <host>" for
// outbound (the route's decorator, when set, replaces either; that is the wiring's job).
std::string operationName(bool egress, std::string_view host);

// scheme "://" :authority path, the path being x-envoy-original-path when present (the request
// before rewrites) and cut to `max_path_length` characters. Empty without a :path.
std::string buildOriginalUri(const accesslog::HeaderLookup& request_headers,
                             uint32_t max_path_length);

// What every span of this proxy carries, set when it starts (Envoy's TracerImpl::startSpan).
struct LocalTracingInfo {
  std::string node_id;  // --service-node / node.id
  std::string zone;     // node.locality.zone
};
void setLocalTags(Span& span, const LocalTracingInfo& local);

struct SpanFinishSettings {
  uint32_t max_path_tag_length = 256;
  bool verbose = false;
  const std::vector<CustomTag>* custom_tags = nullptr;
  MetadataLookup metadata;  // may be empty
};

// Envoy's HttpTracerUtility::finalizeDownstreamSpan: the request tags (guid:x-request-id,
// http.url, http.method, downstream_cluster, user_agent, http.protocol, peer.address (the
// socket peer's IP), guid:x-client-trace-id, the grpc.* request tags for gRPC), request_size,
// response_size, then the common tags (below), the grpc.* response tags, and the end time.
void finalizeDownstreamSpan(Span& span, const accesslog::StreamInfo& info,
                            const SpanFinishSettings& settings, SystemTime end);

// Envoy's finalizeUpstreamSpan (the router's CLIENT span): http.protocol, upstream_address and
// peer.address (the upstream host), the common tags and the end time.
void finalizeUpstreamSpan(Span& span, const accesslog::StreamInfo& info,
                          const SpanFinishSettings& settings, SystemTime end);

// The common tags: component=proxy, upstream_cluster and upstream_cluster.name, http.status_code
// ("0" without a response), response_flags (short codes, "-" for none), the verbose timing
// annotations, error=true when there was no response or it was a 5xx, then the custom tags.
void setCommonTags(Span& span, const accesslog::StreamInfo& info,
                   const SpanFinishSettings& settings);

// The IP of "ip:port" or "[v6]:port" (the text is returned as is when it has no port).
std::string_view addressWithoutPort(std::string_view address);

}  // namespace meshproxy::tracing
