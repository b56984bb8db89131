#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "proxy/core/backoff.h"
#include "proxy/filters/http/router/control_headers.h"
#include "proxy/http/header_map.h"
#include "proxy/route/retry_policy.h"

namespace meshproxy::filters::router {

// How an attempt ended without a response to judge (Envoy's reset reasons, as they matter to
// retry_on).
enum class AttemptFailure {
  kConnectFailure,  // no connection (connect error or timeout)
  kReset,           // the stream or its connection went away
  kRefusedStream,   // HTTP/2 REFUSED_STREAM: the peer did not process it
  kPerTryTimeout,   // per_try_timeout or per_try_idle_timeout
  kOverflow,        // a local limit: never retried
};

// One request's retry decisions (Envoy's RetryStateImpl): which outcomes are retriable under
// the route's retry_policy combined with the trusted x-envoy-* request headers, how many
// retries remain, and how long to wait before the next one. It decides; the router acts.
// Plain data, no timers: unit-testable on its own.
class RetryState {
 public:
  // `policy`: the route's (or virtual host's) retry policy, or null.
  RetryState(const route::RetryPolicy* policy, const ControlHeaders& headers,
             const http::HeaderMap& request_headers);

  // Retries are possible at all (some retry_on condition, and the request matched
  // retriable_request_headers).
  bool enabled() const { return retry_on_ != 0; }
  uint32_t retryOn() const { return retry_on_; }
  uint32_t remaining() const { return remaining_; }

  // The outcome matches a retry_on condition (whether retries remain is consume()'s).
  bool wouldRetryFromHeaders(const http::HeaderMap& response) const;
  // `request_started`: some of the request went out on a stream (reset-before-request).
  bool wouldRetryFromFailure(AttemptFailure failure, bool request_started) const;

  // Takes one retry; false when none remain.
  bool consume() {
    if (remaining_ == 0) return false;
    --remaining_;
    return true;
  }

  // The wait before the next attempt. When `response` carries one of the policy's
  // rate_limited_retry_back_off.reset_headers (within its max_interval), a jittered wait of
  // at least what it asks and *rate_limited = true; else the jittered exponential back-off.
  // `now_unix_s`: wall clock, for UNIX_TIMESTAMP reset headers.
  std::chrono::milliseconds backOff(const http::HeaderMap* response, uint64_t random,
                                    int64_t now_unix_s, bool* rate_limited);

  // What the server's reset headers ask for, per the policy (nullopt: none usable).
  std::optional<std::chrono::milliseconds> rateLimitedInterval(const http::HeaderMap& response,
                                                               int64_t now_unix_s) const;

 private:
  bool retriableStatusCode(uint32_t status) const;
  bool retriableHeader(const http::HeaderMap& response) const;

  const route::RetryPolicy* policy_;
  uint32_t retry_on_ = 0;
  uint32_t remaining_ = 1;
  // x-envoy-retriable-status-codes / -header-names, views into the request headers (which
  // outlive this object: the stream owns both).
  std::string_view header_status_codes_;
  std::string_view header_names_;
  JitteredExponentialBackOff back_off_;
};

// The grpc-status of a trailers-only response, as a retry_on:: gRPC bit (0: none of them).
uint32_t grpcRetryBit(const http::HeaderMap& response);

}  // namespace meshproxy::filters::router
