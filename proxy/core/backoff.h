#pragma once

#include <algorithm>
#include <cstdint>

namespace meshproxy {

// Envoy's jittered exponential back-off (JitteredExponentialBackOffStrategy): the n-th wait
// is a uniform draw in [0, min(base * 2^n, max)), "full jitter", so that clients that failed
// together do not come back together. `random` is the caller's uniform 64-bit draw.
class JitteredExponentialBackOff {
 public:
  JitteredExponentialBackOff(uint64_t base_ms, uint64_t max_ms)
      : max_ms_(std::max<uint64_t>(max_ms, 1)),
        next_ms_(std::clamp<uint64_t>(base_ms, 1, max_ms_)) {}

  uint64_t nextMs(uint64_t random) {
    const uint64_t interval = next_ms_;
    next_ms_ = next_ms_ < max_ms_ / 2 ? next_ms_ * 2 : max_ms_;
    return std::min(random % interval, max_ms_);
  }

 private:
  uint64_t max_ms_;
  uint64_t next_ms_;
};

// Envoy's JitteredLowerBoundBackOffStrategy, for a wait the server asked for (rate limited
// retries): a uniform draw in [min, 1.5 * min), never sooner than asked.
inline uint64_t jitteredLowerBoundMs(uint64_t min_ms, uint64_t random) {
  const uint64_t spread = min_ms / 2;
  return spread == 0 ? min_ms : min_ms + random % spread;
}

}  // namespace meshproxy
