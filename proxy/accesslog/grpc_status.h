#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// %GRPC_STATUS(X)% as Envoy prints it: X is CAMEL_STRING (default, "Unimplemented"),
// SNAKE_STRING ("UNIMPLEMENTED") or NUMBER ("12").
enum class GrpcStatusFormat { kCamelString, kSnakeString, kNumber };

absl::StatusOr<GrpcStatusFormat> parseGrpcStatusFormat(std::optional<std::string_view> arg);

// The gRPC status of a gRPC request's stream (content-type application/grpc...), in Envoy's
// order: grpc-status of the trailers, else of the response headers (trailers-only), else
// inferred from the HTTP status (404 -> 12, 503 -> 14 ...). nullopt for a non-gRPC request or
// when no response was sent. A grpc-status that is not a number gives -1 (Envoy's InvalidCode).
std::optional<int64_t> grpcStatusOf(const StreamInfo& info);

// Appends `status` in `format`; codes beyond 16 print as numbers in every format.
void appendGrpcStatus(int64_t status, GrpcStatusFormat format, std::string& out);

}  // namespace meshproxy::accesslog
