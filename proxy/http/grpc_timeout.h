#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "proxy/http/header_map.h"

// The grpc-timeout request header (gRPC over HTTP/2: "TimeoutValue TimeoutUnit", at most 8
// ASCII digits then one of H M S m u n), read and written as Envoy's Grpc::Common does.
namespace meshproxy::http {

inline constexpr std::string_view kGrpcTimeoutHeader = "grpc-timeout";

// The timeout the value asks for, in milliseconds rounded up (1u is 1ms, not 0: 0 would mean
// no limit); nullopt when the value is not of that form.
std::optional<std::chrono::milliseconds> parseGrpcTimeout(std::string_view value);

// The header's timeout in `headers`; nullopt when absent or malformed.
std::optional<std::chrono::milliseconds> grpcTimeout(const HeaderMap& headers);

// Sets grpc-timeout to `timeout`, in the smallest unit of m, S, M, H whose value fits in 8
// digits (rounded down, as Envoy does; clipped to 99999999H).
void setGrpcTimeout(HeaderMap& headers, std::chrono::milliseconds timeout);

}  // namespace meshproxy::http
