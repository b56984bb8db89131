#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/http/header_map.h"

// The responses meshproxy makes up itself (404 no route, 503 no upstream, 413, 408 ...), in
// the shape the client expects: plain text for HTTP clients, a gRPC status for gRPC clients.
namespace meshproxy::http {

// Envoy's Grpc::Common::hasGrpcContentType: content-type exactly application/grpc or
// application/grpc+<codec>. application/grpc-web is not gRPC (it has its own filter).
bool isGrpcRequest(const HeaderMap& request_headers);

// gRPC's HTTP-to-status mapping, as Envoy's Grpc::Utility::httpToGrpcStatus: 400 INTERNAL,
// 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE,
// anything else UNKNOWN.
uint32_t httpToGrpcStatus(uint32_t http_status);

// grpc-message is percent-encoded: bytes outside 0x20..0x7E, and '%'.
std::string percentEncodeGrpcMessage(std::string_view message);

struct LocalReply {
  std::unique_ptr<HeaderMap> headers;
  std::string body;  // empty: the headers end the stream
};

// `request_headers` may be null (no request was parsed). Plain replies carry `body` as
// text/plain (none for HEAD); gRPC replies are trailers-only: :status 200, content-type
// application/grpc, grpc-status from httpToGrpcStatus(status), grpc-message from `body`.
// Both carry x-meshproxy-reason: `details` when it is not empty.
// `grpc_status` replaces httpToGrpcStatus(status) for gRPC requests (a filter's own mapping,
// e.g. local_ratelimit's RESOURCE_EXHAUSTED).
LocalReply makeLocalReply(const HeaderMap* request_headers, uint32_t status, std::string_view body,
                          std::string_view details,
                          std::optional<uint32_t> grpc_status = std::nullopt);

}  // namespace meshproxy::http
