#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proxy/core/time_source.h"
#include "proxy/core/token_bucket.h"

// The response_rate_limit fault: how many bytes of a response body may go out now, at
// `kbps` KiB per second, paced in sixteenths of a second as Envoy's StreamRateLimiter does
// (a bucket of 16 tokens, one more every 62.5 ms, each worth kbps * 1024 / 16 bytes; the first
// data starts with one token, so pacing begins at once instead of after a one-second burst).
// The filter buffers the body (bounded by its watermarks), asks release() on its data callback
// and on a timer armed for nextRelease(), and writes what it is allowed.
namespace meshproxy::filters::fault {

class ResponsePacer {
 public:
  static constexpr uint32_t kSlicesPerSecond = 16;
  static constexpr std::chrono::nanoseconds kSlice{1'000'000'000 / kSlicesPerSecond};

  explicit ResponsePacer(uint64_t kbps);

  // Bytes of the `buffered` ones that may be written at `now` (taking the tokens they use).
  size_t release(size_t buffered, MonotonicTime now);
  // When to try again while bytes remain buffered.
  std::chrono::nanoseconds nextRelease(MonotonicTime now) const;
  uint64_t bytesPerSlice() const { return bytes_per_slice_; }

 private:
  uint64_t bytes_per_slice_;
  std::optional<TokenBucket> bucket_;  // made at the first data
};

}  // namespace meshproxy::filters::fault
