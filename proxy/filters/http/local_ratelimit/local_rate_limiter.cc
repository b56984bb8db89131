#include "proxy/filters/http/local_ratelimit/local_rate_limiter.h"

#include <algorithm>
#include <numeric>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproxy::filters::local_ratelimit {
namespace {

// Entries as one string, each field length-prefixed so no key or value can forge another list.
void appendField(std::string& out, std::string_view field) {
  const auto n = static_cast<uint32_t>(field.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof(n));
  out.append(field);
}

template <typename Entries>
void encode(const Entries& entries, std::string& out) {
  out.clear();
  for (const auto& e : entries) {
    appendField(out, e.key);
    appendField(out, e.value);
  }
}

double tokensPerSecond(const TokenBucketSpec& b) {
  return static_cast<double>(b.tokens_per_fill) /
         std::chrono::duration<double>(b.fill_interval).count();
}

std::string describe(const std::vector<route::RateLimitEntry>& entries) {
  return absl::StrJoin(entries, ", ", [](std::string* out, const route::RateLimitEntry& e) {
    absl::StrAppend(out, e.key, "=", e.value);
  });
}

}  // namespace

absl::StatusOr<std::shared_ptr<const DescriptorIndex>> DescriptorIndex::create(
    const LocalRateLimiterSpec& spec) {
  std::vector<size_t> order(spec.descriptors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return tokensPerSecond(spec.descriptors[a].bucket) <
           tokensPerSecond(spec.descriptors[b].bucket);
  });
  std::shared_ptr<DescriptorIndex> index(new DescriptorIndex());
  std::string key;
  for (size_t i : order) {
    const DescriptorBucketSpec& d = spec.descriptors[i];
    if (spec.bucket && d.bucket.fill_interval % spec.bucket->fill_interval !=
                           decltype(d.bucket.fill_interval)::zero()) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptors[", i,
                       "].token_bucket.fill_interval must be a multiple of the filter's "
                       "token_bucket.fill_interval"));
    }
    encode(d.entries, key);
    const auto slot = static_cast<uint32_t>(index->specs_.size());
    if (!index->slots_.emplace(key, slot).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptors[", i, "]: duplicate descriptor (", describe(d.entries), ")"));
    }
    index->specs_.push_back(d.bucket);
  }
  return std::shared_ptr<const DescriptorIndex>(std::move(index));
}

int DescriptorIndex::find(const route::RateLimitDescriptor& descriptor) const {
  if (slots_.empty()) return -1;
  // Per-thread scratch: a lookup allocates nothing once the string has grown.
  thread_local std::string key;
  encode(descriptor.entries(), key);
  auto it = slots_.find(key);
  return it == slots_.end() ? -1 : static_cast<int>(it->second);
}

template <typename Bucket>
LocalRateLimiter<Bucket>::LocalRateLimiter(const LocalRateLimiterSpec& spec,
                                           std::shared_ptr<const DescriptorIndex> index,
                                           MonotonicTime origin)
    : index_(std::move(index)), always_consume_default_(spec.always_consume_default_token_bucket) {
  if (spec.bucket) default_.emplace(*spec.bucket, origin);
  for (size_t slot = 0; slot < index_->size(); ++slot) {
    descriptors_.emplace_back(index_->bucket(slot), origin);
  }
}

template <typename Bucket>
bool LocalRateLimiter<Bucket>::consume(int bucket, MonotonicTime now) {
  if (bucket == RateLimitResult::kDefault) return default_->tryConsume(now);
  return descriptors_[static_cast<size_t>(bucket)].tryConsume(now);
}

template <typename Bucket>
const Bucket& LocalRateLimiter<Bucket>::bucketAt(int bucket) const {
  if (bucket == RateLimitResult::kDefault) return *default_;
  return descriptors_[static_cast<size_t>(bucket)];
}

template <typename Bucket>
RateLimitResult LocalRateLimiter<Bucket>::requestAllowed(
    std::span<const route::RateLimitDescriptor> descriptors, MonotonicTime now) {
  absl::InlinedVector<int, 8> matched;
  if (!descriptors_.empty()) {
    for (const auto& d : descriptors) {
      const int slot = index_->find(d);
      if (slot >= 0) matched.push_back(slot);
    }
    // Slots are numbered strictest first; a bucket is charged once per request.
    std::sort(matched.begin(), matched.end());
    matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
  }
  for (int slot : matched) {
    if (!consume(slot, now)) return {false, slot};
  }
  const int described = matched.empty() ? RateLimitResult::kDefault : matched.front();
  if (default_ && (matched.empty() || always_consume_default_)) {
    if (!consume(RateLimitResult::kDefault, now)) return {false, RateLimitResult::kDefault};
  }
  if (described == RateLimitResult::kDefault && !default_) return {true, RateLimitResult::kNone};
  return {true, described};
}

template <typename Bucket>
std::optional<XRateLimitValues> LocalRateLimiter<Bucket>::xRateLimit(const RateLimitResult& result,
                                                                     MonotonicTime now) const {
  if (result.bucket == RateLimitResult::kNone) return std::nullopt;
  const Bucket& b = bucketAt(result.bucket);
  const auto until = b.untilNextFill(now);
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(until).count();
  return XRateLimitValues{b.spec().max_tokens, b.remaining(now), static_cast<uint32_t>(seconds)};
}

template class LocalRateLimiter<AtomicTokenBucket>;
template class LocalRateLimiter<TokenBucket>;

}  // namespace meshproxy::filters::local_ratelimit
