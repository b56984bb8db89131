#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "proxy/core/time_source.h"

namespace meshproxy {

// envoy.type.v3.TokenBucket after translation. The bucket starts full and gains tokens_per_fill
// (up to max_tokens) at every fill boundary: origin + k * fill_interval. Fills are whole, as in
// Envoy's timer-driven local rate limiter, so "100 per second" lets through 100 requests at the
// start of each second, not one every 10 ms.
struct TokenBucketSpec {
  uint32_t max_tokens = 1;
  uint32_t tokens_per_fill = 1;
  std::chrono::nanoseconds fill_interval{std::chrono::seconds(1)};

  bool operator==(const TokenBucketSpec&) const = default;
};

// The arithmetic shared by both buckets. A bucket's state is one 64-bit word: the fill period it
// was last brought up to date in (high 32 bits) and its tokens then (low 32 bits). Whoever looks
// at the bucket refills it from the clock first: no timer, no thread that owns the bucket.
namespace token_bucket {

constexpr uint64_t pack(uint32_t period, uint32_t tokens) {
  return (uint64_t{period} << 32) | tokens;
}
constexpr uint32_t periodOf(uint64_t state) { return static_cast<uint32_t>(state >> 32); }
constexpr uint32_t tokensOf(uint64_t state) { return static_cast<uint32_t>(state); }

// The fill period `now` falls in, counted from `origin` (0 before it). Kept modulo 2^32.
uint32_t periodAt(const TokenBucketSpec& spec, MonotonicTime origin, MonotonicTime now);

// `state` brought up to `period`. A period behind the state's (another thread already moved the
// bucket on, with a clock read a moment earlier than ours) changes nothing, so the word never
// moves back in time; a period 2^30 or more behind can only be the 32-bit count wrapping after
// an idle of years, and fills the bucket.
uint64_t refill(const TokenBucketSpec& spec, uint64_t state, uint32_t period);

// Time from `now` to the next fill boundary.
std::chrono::nanoseconds untilNextFill(const TokenBucketSpec& spec, MonotonicTime origin,
                                       MonotonicTime now);

}  // namespace token_bucket

// A bucket shared by every worker: exact (no token is lost or created by concurrency) and
// lock-free. A request costs one clock read (by the caller), a division, and one
// compare-and-swap on the shared word; contention only retries the CAS.
class AtomicTokenBucket {
 public:
  AtomicTokenBucket(const TokenBucketSpec& spec, MonotonicTime origin)
      : spec_(spec), origin_(origin), state_(token_bucket::pack(0, spec.max_tokens)) {}
  AtomicTokenBucket(const AtomicTokenBucket&) = delete;
  AtomicTokenBucket& operator=(const AtomicTokenBucket&) = delete;

  // Takes `tokens` if the bucket holds that many at `now`; false (and takes nothing) otherwise.
  bool tryConsume(MonotonicTime now, uint32_t tokens = 1);
  // Tokens the bucket holds at `now` (a snapshot: other workers may take some right after).
  uint32_t remaining(MonotonicTime now) const;
  std::chrono::nanoseconds untilNextFill(MonotonicTime now) const {
    return token_bucket::untilNextFill(spec_, origin_, now);
  }
  const TokenBucketSpec& spec() const { return spec_; }

 private:
  const TokenBucketSpec spec_;
  const MonotonicTime origin_;
  // Own cache line: the only word workers write.
  alignas(64) std::atomic<uint64_t> state_;
};

// The same bucket for one thread (a downstream connection's own bucket): plain loads and stores.
class TokenBucket {
 public:
  TokenBucket(const TokenBucketSpec& spec, MonotonicTime origin)
      : spec_(spec), origin_(origin), state_(token_bucket::pack(0, spec.max_tokens)) {}

  bool tryConsume(MonotonicTime now, uint32_t tokens = 1);
  uint32_t remaining(MonotonicTime now) const;
  std::chrono::nanoseconds untilNextFill(MonotonicTime now) const {
    return token_bucket::untilNextFill(spec_, origin_, now);
  }
  const TokenBucketSpec& spec() const { return spec_; }

 private:
  TokenBucketSpec spec_;
  MonotonicTime origin_;
  uint64_t state_;
};

}  // namespace meshproxy
