#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "proxy/http/header_map.h"

namespace meshproxy::filters::router {

// The x-envoy-* request headers that steer the router (Envoy's names and semantics). The
// connection manager removes them from requests it does not trust (http/envoy_headers.h), so
// whatever is still here came from an internal client. Read in one pass over the headers.
struct ControlHeaders {
  uint32_t retry_on = 0;  // x-envoy-retry-on and x-envoy-retry-grpc-on, as retry_on bits
  std::optional<uint32_t> max_retries;  // x-envoy-max-retries
  // x-envoy-retriable-status-codes; views into the request headers.
  std::string_view retriable_status_codes;
  std::string_view retriable_header_names;                   // x-envoy-retriable-header-names
  std::optional<std::chrono::milliseconds> timeout;          // x-envoy-upstream-rq-timeout-ms
  std::optional<std::chrono::milliseconds> per_try_timeout;  // ...-per-try-timeout-ms
  bool hedge_on_per_try_timeout = false;  // x-envoy-hedge-on-per-try-timeout: true
  bool any = false;                       // one of them was present
};

ControlHeaders parseControlHeaders(const http::HeaderMap& headers);

// Envoy removes the two timeout headers once read (they were for this hop only).
void removeTimeoutHeaders(http::HeaderMap& headers);

}  // namespace meshproxy::filters::router
