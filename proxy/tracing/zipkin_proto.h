#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/tracing/span.h"
#include "proxy/tracing/zipkin_json.h"

namespace meshproxy::tracing {

// Zipkin API v2 protobuf (POST /api/v2/spans, Content-Type application/x-protobuf): a
// zipkin.proto3.ListOfSpans, what Envoy sends for collector_endpoint_version HTTP_PROTO.
// openzipkin's zipkin.proto3 ships in no Debian or npm package we pin, and the message is small
// and frozen, so it is written here with protobuf's wire-format primitives, field numbers as in
// openzipkin/zipkin-api zipkin.proto (ListOfSpans.spans = 1; Span: trace_id 1 (8 or 16
// big-endian bytes), parent_id 2, id 3 (8 bytes), kind 4 (CLIENT 1, SERVER 2), name 5,
// timestamp 6 (fixed64, epoch microseconds), duration 7 (microseconds), local_endpoint 8,
// annotations 10, tags 11 (map<string,string>), debug 12, shared 13; Endpoint: service_name 1,
// ipv4 2 (4 bytes), ipv6 3 (16 bytes), port 4; Annotation: timestamp 1 (fixed64), value 2).
std::string encodeZipkinProtoV2(std::span<const Span> spans, const ZipkinEndpoint& local);

// The reverse, for tests and the collector stand-in (as decodeZipkinJsonV2: sampled set, no
// tracestate, endpoint not returned). Unknown fields are skipped.
absl::StatusOr<std::vector<Span>> decodeZipkinProtoV2(std::string_view bytes);

}  // namespace meshproxy::tracing
