#include "proxy/route/retry_policy.h"

#include <fmt/format.h>

namespace meshproxy::route {

namespace {

struct Name {
  std::string_view name;
  uint32_t bit;
};

constexpr Name kNames[] = {
    {"5xx", retry_on::k5xx},
    {"gateway-error", retry_on::kGatewayError},
    {"reset", retry_on::kReset},
    {"reset-before-request", retry_on::kResetBeforeRequest},
    {"connect-failure", retry_on::kConnectFailure},
    {"envoy-ratelimited", retry_on::kEnvoyRateLimited},
    {"retriable-4xx", retry_on::kRetriable4xx},
    {"refused-stream", retry_on::kRefusedStream},
    {"retriable-status-codes", retry_on::kRetriableStatusCodes},
    {"retriable-headers", retry_on::kRetriableHeaders},
    {"cancelled", retry_on::kGrpcCancelled},
    {"deadline-exceeded", retry_on::kGrpcDeadlineExceeded},
    {"internal", retry_on::kGrpcInternal},
    {"resource-exhausted", retry_on::kGrpcResourceExhausted},
    {"unavailable", retry_on::kGrpcUnavailable},
};

}  // namespace

uint32_t parseRetryOn(std::string_view list, std::string* error) {
  uint32_t bits = 0;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view token = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token.empty()) continue;
    bool known = false;
    for (const Name& n : kNames) {
      if (token == n.name) {
        bits |= n.bit;
        known = true;
        break;
      }
    }
    if (!known && error != nullptr && error->empty()) {
      // http3-post-connect-failure is Envoy's, but there is no HTTP/3 here to fail.
      *error = token == "http3-post-connect-failure"
                   ? "retry_on 'http3-post-connect-failure' is not supported (no HTTP/3 upstream)"
                   : fmt::format("unknown retry_on condition '{}'", token);
    }
  }
  return bits;
}

}  // namespace meshproxy::route
