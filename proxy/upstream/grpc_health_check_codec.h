#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy::upstream {

// grpc.health.v1 on the wire, for the gRPC health check (the service's proto is not part of
// the Envoy API package, and its two messages have one field each).
//   HealthCheckRequest { string service = 1; }
//   HealthCheckResponse { ServingStatus status = 1; }  UNKNOWN 0, SERVING 1, NOT_SERVING 2,
//                                                     SERVICE_UNKNOWN 3
inline constexpr std::string_view kGrpcHealthCheckPath = "/grpc.health.v1.Health/Check";

// The request body: one length-prefixed gRPC message (uncompressed).
std::string encodeGrpcHealthCheckRequest(std::string_view service);

// The ServingStatus of a response body holding exactly one uncompressed message; an error
// names what is wrong (short body, compressed, malformed).
absl::StatusOr<int> decodeGrpcHealthCheckResponse(std::string_view body);

}  // namespace meshproxy::upstream
