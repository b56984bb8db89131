#include "proxy/filters/http/router/retry_state.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace meshproxy::filters::router {

namespace ro = route::retry_on;

namespace {

const route::RetryPolicy& defaultPolicy() {
  static const route::RetryPolicy policy;
  return policy;
}

absl::string_view toAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

RetryState::RetryState(const route::RetryPolicy* policy, const ControlHeaders& headers,
                       const http::HeaderMap& request_headers)
    : policy_(policy != nullptr ? policy : &defaultPolicy()),
      back_off_(static_cast<uint64_t>(policy_->base_interval.count()),
                static_cast<uint64_t>(policy_->max_interval.count())) {
  retry_on_ = policy_->retry_on | headers.retry_on;
  remaining_ = policy_->num_retries;
  if (retry_on_ != 0 && headers.max_retries.has_value()) remaining_ = *headers.max_retries;
  header_status_codes_ = headers.retriable_status_codes;
  header_names_ = headers.retriable_header_names;
  if (!policy_->retriable_request_headers.empty()) {
    bool match = false;
    for (const auto& m : policy_->retriable_request_headers) {
      if (m.matches(request_headers)) {
        match = true;
        break;
      }
    }
    if (!match) retry_on_ = 0;
  }
}

uint32_t grpcRetryBit(const http::HeaderMap& response) {
  auto status = response.get("grpc-status");
  if (!status.has_value()) return 0;
  uint32_t code = 0;
  if (!absl::SimpleAtoi(toAbsl(*status), &code)) return 0;
  switch (code) {
    case 1:
      return ro::kGrpcCancelled;
    case 4:
      return ro::kGrpcDeadlineExceeded;
    case 8:
      return ro::kGrpcResourceExhausted;
    case 13:
      return ro::kGrpcInternal;
    case 14:
      return ro::kGrpcUnavailable;
    default:
      return 0;
  }
}

bool RetryState::retriableStatusCode(uint32_t status) const {
  for (uint32_t code : policy_->retriable_status_codes) {
    if (code == status) return true;
  }
  for (absl::string_view token : absl::StrSplit(toAbsl(header_status_codes_), ',')) {
    uint32_t code = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(token), &code) && code == status) return true;
  }
  return false;
}

bool RetryState::retriableHeader(const http::HeaderMap& response) const {
  for (const auto& m : policy_->retriable_headers) {
    if (m.matches(response)) return true;
  }
  for (absl::string_view token : absl::StrSplit(toAbsl(header_names_), ',')) {
    token = absl::StripAsciiWhitespace(token);
    if (token.empty()) continue;
    std::string name = absl::AsciiStrToLower(token);
    if (response.has(name)) return true;
  }
  return false;
}

bool RetryState::wouldRetryFromHeaders(const http::HeaderMap& response) const {
  if (retry_on_ == 0) return false;
  // An overloaded upstream is never retried; a rate-limited one only when asked for.
  if (response.has("x-envoy-overloaded")) return false;
  if (response.has("x-envoy-ratelimited")) return (retry_on_ & ro::kEnvoyRateLimited) != 0;
  const uint32_t status = response.status();
  if ((retry_on_ & ro::k5xx) && status >= 500 && status < 600) return true;
  if ((retry_on_ & ro::kGatewayError) && status >= 502 && status <= 504) return true;
  if ((retry_on_ & ro::kRetriable4xx) && status == 409) return true;
  if ((retry_on_ & ro::kRetriableStatusCodes) && retriableStatusCode(status)) return true;
  if ((retry_on_ & ro::kRetriableHeaders) && retriableHeader(response)) return true;
  if (retry_on_ & (ro::kGrpcCancelled | ro::kGrpcDeadlineExceeded | ro::kGrpcInternal |
                   ro::kGrpcResourceExhausted | ro::kGrpcUnavailable)) {
    if (retry_on_ & grpcRetryBit(response)) return true;
  }
  return false;
}

bool RetryState::wouldRetryFromFailure(AttemptFailure failure, bool request_started) const {
  if (retry_on_ == 0 || failure == AttemptFailure::kOverflow) return false;
  if (failure == AttemptFailure::kConnectFailure && (retry_on_ & ro::kConnectFailure)) return true;
  if ((retry_on_ & ro::kResetBeforeRequest) && !request_started) return true;
  if (retry_on_ & (ro::k5xx | ro::kGatewayError | ro::kReset)) return true;
  return failure == AttemptFailure::kRefusedStream && (retry_on_ & ro::kRefusedStream);
}

std::optional<std::chrono::milliseconds> RetryState::rateLimitedInterval(
    const http::HeaderMap& response, int64_t now_unix_s) const {
  for (const auto& reset : policy_->reset_headers) {
    auto value = response.get(reset.name);
    if (!value.has_value()) continue;
    int64_t n = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(toAbsl(*value)), &n)) continue;
    int64_t seconds = reset.unix_timestamp ? n - now_unix_s : n;
    if (seconds <= 0) continue;
    // Longer than the policy allows: this header is not used (Envoy tries the next one).
    if (seconds * 1000 > policy_->rate_limited_max_interval.count()) continue;
    return std::chrono::milliseconds(seconds * 1000);
  }
  return std::nullopt;
}

std::chrono::milliseconds RetryState::backOff(const http::HeaderMap* response, uint64_t random,
                                              int64_t now_unix_s, bool* rate_limited) {
  *rate_limited = false;
  if (response != nullptr && !policy_->reset_headers.empty()) {
    if (auto interval = rateLimitedInterval(*response, now_unix_s); interval.has_value()) {
      *rate_limited = true;
      return std::chrono::milliseconds(
          jitteredLowerBoundMs(static_cast<uint64_t>(interval->count()), random));
    }
  }
  return std::chrono::milliseconds(back_off_.nextMs(random));
}

}  // namespace meshproxy::filters::router
