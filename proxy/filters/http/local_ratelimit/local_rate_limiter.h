#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/core/time_source.h"
#include "proxy/core/token_bucket.h"
#include "proxy/route/rate_limit_descriptor.h"

// The buckets of envoy.filters.http.local_ratelimit: a default bucket and one bucket per
// configured descriptor, with Envoy's LocalRateLimiterImpl rules. No filter API here: the filter
// computes the request's descriptors (route/rate_limit_policy.h) and asks requestAllowed().
namespace meshproxy::filters::local_ratelimit {

// One `descriptors` entry: a request descriptor with exactly these entries uses this bucket.
struct DescriptorBucketSpec {
  std::vector<route::RateLimitEntry> entries;
  TokenBucketSpec bucket;
};

struct LocalRateLimiterSpec {
  // The filter's token_bucket; none: the default bucket never limits (Envoy: a filter-level
  // config without a bucket only puts the filter in the chain).
  std::optional<TokenBucketSpec> bucket;
  std::vector<DescriptorBucketSpec> descriptors;
  // always_consume_default_token_bucket (default true): a request that matched descriptors also
  // takes a token from the default bucket.
  bool always_consume_default_token_bucket = true;
};

// Config time: descriptor entries -> bucket slot. Slots are numbered strictest first (fewest
// tokens per second), the order Envoy consumes matched descriptors in, so that a request
// refused by a strict bucket does not also spend a token of a looser one.
class DescriptorIndex {
 public:
  // InvalidArgument for a duplicate descriptor, or a descriptor fill_interval that is not a
  // multiple of the default bucket's (Envoy's rules).
  static absl::StatusOr<std::shared_ptr<const DescriptorIndex>> create(
      const LocalRateLimiterSpec& spec);

  // The slot of the descriptor with exactly these entries, or -1.
  int find(const route::RateLimitDescriptor& descriptor) const;
  size_t size() const { return specs_.size(); }
  // By slot.
  const TokenBucketSpec& bucket(size_t slot) const { return specs_[slot]; }

 private:
  DescriptorIndex() = default;
  absl::flat_hash_map<std::string, uint32_t> slots_;
  std::vector<TokenBucketSpec> specs_;
};

// The outcome of one request. `bucket` is the bucket the x-ratelimit-* headers describe: the one
// that refused, else the strictest matched descriptor's, else the default one; kNone when there
// is no bucket to describe.
struct RateLimitResult {
  static constexpr int kNone = -2;
  static constexpr int kDefault = -1;
  bool allowed = true;
  int bucket = kNone;
};

// draft-polli-ratelimit-headers-03 values (enable_x_ratelimit_headers: DRAFT_VERSION_03).
struct XRateLimitValues {
  uint32_t limit = 0;          // x-ratelimit-limit: the bucket's max_tokens
  uint32_t remaining = 0;      // x-ratelimit-remaining
  uint32_t reset_seconds = 0;  // x-ratelimit-reset: seconds to the next fill, rounded up
};

// The buckets of one limiter instance. Bucket is AtomicTokenBucket for the limiter all workers
// share (the default: exact across workers, lock-free), TokenBucket for the one each downstream
// connection owns (local_rate_limit_per_downstream_connection).
template <typename Bucket>
class LocalRateLimiter {
 public:
  LocalRateLimiter(const LocalRateLimiterSpec& spec, std::shared_ptr<const DescriptorIndex> index,
                   MonotonicTime origin);
  LocalRateLimiter(const LocalRateLimiter&) = delete;
  LocalRateLimiter& operator=(const LocalRateLimiter&) = delete;

  // Takes a token from every bucket the request uses (the matched descriptors' strictest first,
  // then the default one unless a descriptor matched and always_consume_default_token_bucket is
  // off); stops at the first bucket that is empty.
  RateLimitResult requestAllowed(std::span<const route::RateLimitDescriptor> descriptors,
                                 MonotonicTime now);

  // The values of the x-ratelimit-* headers for a result, nullopt when it names no bucket.
  std::optional<XRateLimitValues> xRateLimit(const RateLimitResult& result,
                                             MonotonicTime now) const;

 private:
  bool consume(int bucket, MonotonicTime now);
  const Bucket& bucketAt(int bucket) const;

  std::shared_ptr<const DescriptorIndex> index_;
  bool always_consume_default_;
  std::optional<Bucket> default_;
  std::deque<Bucket> descriptors_;  // by slot; deque: buckets do not move
};

using SharedLocalRateLimiter = LocalRateLimiter<AtomicTokenBucket>;
using ConnectionLocalRateLimiter = LocalRateLimiter<TokenBucket>;

extern template class LocalRateLimiter<AtomicTokenBucket>;
extern template class LocalRateLimiter<TokenBucket>;

}  // namespace meshproxy::filters::local_ratelimit
