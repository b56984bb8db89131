#include "proxy/filters/http/router/control_headers.h"

#include "absl/strings/numbers.h"
#include "proxy/route/retry_policy.h"

namespace meshproxy::filters::router {

namespace {

constexpr std::string_view kPrefix = "x-envoy-";
constexpr uint32_t kHttpBits = 0xffff;
constexpr uint32_t kGrpcBits = 0xffff0000;

std::optional<uint64_t> parseCount(std::string_view value) {
  uint64_t n = 0;
  if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n)) return std::nullopt;
  return n;
}

}  // namespace

ControlHeaders parseControlHeaders(const http::HeaderMap& headers) {
  ControlHeaders out;
  for (const auto& [name, value] : headers.entries()) {
    if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    std::string_view rest = std::string_view(name).substr(kPrefix.size());
    if (rest == "retry-on") {
      out.retry_on |= route::parseRetryOn(value) & kHttpBits;
    } else if (rest == "retry-grpc-on") {
      out.retry_on |= route::parseRetryOn(value) & kGrpcBits;
    } else if (rest == "max-retries") {
      if (auto n = parseCount(value); n.has_value()) {
        out.max_retries = static_cast<uint32_t>(std::min<uint64_t>(*n, UINT32_MAX));
      }
    } else if (rest == "retriable-status-codes") {
      out.retriable_status_codes = value;
    } else if (rest == "retriable-header-names") {
      out.retriable_header_names = value;
    } else if (rest == "upstream-rq-timeout-ms") {
      if (auto n = parseCount(value); n.has_value()) {
        out.timeout = std::chrono::milliseconds(std::min<uint64_t>(*n, INT32_MAX));
      }
    } else if (rest == "upstream-rq-per-try-timeout-ms") {
      if (auto n = parseCount(value); n.has_value()) {
        out.per_try_timeout = std::chrono::milliseconds(std::min<uint64_t>(*n, INT32_MAX));
      }
    } else if (rest == "hedge-on-per-try-timeout") {
      out.hedge_on_per_try_timeout = value == "true";
    } else {
      continue;
    }
    out.any = true;
  }
  return out;
}

void removeTimeoutHeaders(http::HeaderMap& headers) {
  headers.remove("x-envoy-upstream-rq-timeout-ms");
  headers.remove("x-envoy-upstream-rq-per-try-timeout-ms");
}

}  // namespace meshproxy::filters::router
