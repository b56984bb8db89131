#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/matcher/header_matcher.h"

namespace meshproxy::route {

// The retry_on conditions (RetryPolicy.retry_on, x-envoy-retry-on, x-envoy-retry-grpc-on) as
// bits, so that the policy and the request headers combine with an OR and the data path tests
// a bit instead of comparing names.
namespace retry_on {
inline constexpr uint32_t k5xx = 1u << 0;
inline constexpr uint32_t kGatewayError = 1u << 1;
inline constexpr uint32_t kReset = 1u << 2;
inline constexpr uint32_t kResetBeforeRequest = 1u << 3;
inline constexpr uint32_t kConnectFailure = 1u << 4;
inline constexpr uint32_t kEnvoyRateLimited = 1u << 5;
inline constexpr uint32_t kRetriable4xx = 1u << 6;
inline constexpr uint32_t kRefusedStream = 1u << 7;
inline constexpr uint32_t kRetriableStatusCodes = 1u << 8;
inline constexpr uint32_t kRetriableHeaders = 1u << 9;
// gRPC status codes of a trailers-only response (grpc-status in the response headers).
inline constexpr uint32_t kGrpcCancelled = 1u << 16;
inline constexpr uint32_t kGrpcDeadlineExceeded = 1u << 17;
inline constexpr uint32_t kGrpcInternal = 1u << 18;
inline constexpr uint32_t kGrpcResourceExhausted = 1u << 19;
inline constexpr uint32_t kGrpcUnavailable = 1u << 20;
}  // namespace retry_on

// Parses a comma-separated retry_on list (Envoy accepts HTTP and gRPC names in both the field
// and x-envoy-retry-on). Config time: an unknown or unsupported name is an error naming it
// (`error` set, result meaningless). Request headers: unknown names are ignored, as in Envoy.
uint32_t parseRetryOn(std::string_view list, std::string* error = nullptr);

// rate_limited_retry_back_off.reset_headers entry.
struct ResetHeader {
  std::string name;             // lower case
  bool unix_timestamp = false;  // else SECONDS
};

// envoy.config.route.v3.RetryPolicy, translated. Immutable, shared by workers.
struct RetryPolicy {
  uint32_t retry_on = 0;  // retry_on:: bits; 0 = no retry unless the request headers ask
  uint32_t num_retries = 1;
  std::chrono::milliseconds per_try_timeout{0};       // 0: none
  std::chrono::milliseconds per_try_idle_timeout{0};  // 0: none
  // retry_back_off (Envoy's defaults: 25 ms, 10 x base).
  std::chrono::milliseconds base_interval{25};
  std::chrono::milliseconds max_interval{250};
  // rate_limited_retry_back_off: empty reset_headers = not configured.
  std::vector<ResetHeader> reset_headers;
  std::chrono::milliseconds rate_limited_max_interval{300000};
  // retry_host_predicate envoy.retry_host_predicates.previous_hosts.
  bool previous_hosts = false;
  uint32_t host_selection_retry_max_attempts = 1;
  std::vector<uint32_t> retriable_status_codes;
  std::vector<matcher::HeaderMatcher> retriable_headers;
  // The request is retried only if it matches one of these (empty: any request).
  std::vector<matcher::HeaderMatcher> retriable_request_headers;
};

// envoy.config.route.v3.HedgePolicy, translated (only hedge_on_per_try_timeout is supported).
struct HedgePolicy {
  bool hedge_on_per_try_timeout = false;
};

}  // namespace meshproxy::route
