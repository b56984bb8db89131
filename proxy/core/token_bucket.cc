#include "proxy/core/token_bucket.h"

#include <algorithm>

namespace meshproxy {
namespace token_bucket {

uint32_t periodAt(const TokenBucketSpec& spec, MonotonicTime origin, MonotonicTime now) {
  if (now <= origin) return 0;
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - origin).count();
  return static_cast<uint32_t>(static_cast<uint64_t>(elapsed) /
                               static_cast<uint64_t>(spec.fill_interval.count()));
}

uint64_t refill(const TokenBucketSpec& spec, uint64_t state, uint32_t period) {
  const auto behind = static_cast<int32_t>(period - periodOf(state));
  if (behind == 0 || (behind < 0 && behind > -(int32_t{1} << 30))) return state;
  if (behind < 0) return pack(period, spec.max_tokens);
  const uint64_t filled =
      uint64_t{tokensOf(state)} + uint64_t{static_cast<uint32_t>(behind)} * spec.tokens_per_fill;
  return pack(period, static_cast<uint32_t>(std::min<uint64_t>(filled, spec.max_tokens)));
}

std::chrono::nanoseconds untilNextFill(const TokenBucketSpec& spec, MonotonicTime origin,
                                       MonotonicTime now) {
  if (now < origin) return std::chrono::duration_cast<std::chrono::nanoseconds>(origin - now);
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - origin);
  return spec.fill_interval - elapsed % spec.fill_interval;
}

}  // namespace token_bucket

bool AtomicTokenBucket::tryConsume(MonotonicTime now, uint32_t tokens) {
  const uint32_t period = token_bucket::periodAt(spec_, origin_, now);
  // Relaxed: the word is the whole state, nothing else is published through it.
  uint64_t seen = state_.load(std::memory_order_relaxed);
  while (true) {
    const uint64_t current = token_bucket::refill(spec_, seen, period);
    const uint32_t available = token_bucket::tokensOf(current);
    // A refusal writes nothing: the refill is a pure function of the word and the clock, so
    // the next reader computes it again, and a full bucket's refusals stay read-only.
    if (available < tokens) return false;
    const uint64_t next = token_bucket::pack(token_bucket::periodOf(current), available - tokens);
    if (state_.compare_exchange_weak(seen, next, std::memory_order_relaxed)) return true;
  }
}

uint32_t AtomicTokenBucket::remaining(MonotonicTime now) const {
  const uint32_t period = token_bucket::periodAt(spec_, origin_, now);
  return token_bucket::tokensOf(
      token_bucket::refill(spec_, state_.load(std::memory_order_relaxed), period));
}

bool TokenBucket::tryConsume(MonotonicTime now, uint32_t tokens) {
  const uint64_t current =
      token_bucket::refill(spec_, state_, token_bucket::periodAt(spec_, origin_, now));
  const uint32_t available = token_bucket::tokensOf(current);
  if (available < tokens) {
    state_ = current;
    return false;
  }
  state_ = token_bucket::pack(token_bucket::periodOf(current), available - tokens);
  return true;
}

uint32_t TokenBucket::remaining(MonotonicTime now) const {
  return token_bucket::tokensOf(
      token_bucket::refill(spec_, state_, token_bucket::periodAt(spec_, origin_, now)));
}

}  // namespace meshproxy
