#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/tracing/span.h"

namespace meshproxy::tracing {

// The proxy as a Zipkin endpoint: Envoy uses the service cluster (--service-cluster) as the
// service name and the local address of the listener the request came in on.
struct ZipkinEndpoint {
  std::string service_name;
  std::string ip;     // IPv4 or IPv6 text; empty: left out
  uint32_t port = 0;  // 0: left out
};

// Zipkin API v2 JSON (POST /api/v2/spans): an array of span objects with traceId (16 or 32 hex
// digits by the id's width), id, parentId (roots have none), kind, name, timestamp and duration
// (microseconds), localEndpoint, tags (all strings), annotations (the verbose events), and
// "shared": true / "debug": true when set.
std::string encodeZipkinJsonV2(std::span<const Span> spans, const ZipkinEndpoint& local);

// The reverse, for tests and the collector stand-in: the fields above back into spans (sampled
// set, tracestate empty: Zipkin has neither). The endpoint is not returned.
absl::StatusOr<std::vector<Span>> decodeZipkinJsonV2(std::string_view json);

}  // namespace meshproxy::tracing
