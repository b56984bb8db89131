#include "proxy/filters/http/fault/response_pacer.h"

#include <algorithm>

namespace meshproxy::filters::fault {

ResponsePacer::ResponsePacer(uint64_t kbps)
    : bytes_per_slice_(std::max<uint64_t>(1, kbps * 1024 / kSlicesPerSecond)) {}

size_t ResponsePacer::release(size_t buffered, MonotonicTime now) {
  if (buffered == 0) return 0;
  if (!bucket_) {
    // Starts full (16 tokens); take 15 so the first data gets one slice, as Envoy resets its
    // bucket to 1 on the first data.
    bucket_.emplace(TokenBucketSpec{kSlicesPerSecond, 1, kSlice}, now);
    bucket_->tryConsume(now, kSlicesPerSecond - 1);
  }
  const uint64_t needed = (buffered + bytes_per_slice_ - 1) / bytes_per_slice_;
  const uint32_t take = static_cast<uint32_t>(std::min<uint64_t>(needed, bucket_->remaining(now)));
  if (take == 0 || !bucket_->tryConsume(now, take)) return 0;
  return static_cast<size_t>(std::min<uint64_t>(uint64_t{take} * bytes_per_slice_, buffered));
}

std::chrono::nanoseconds ResponsePacer::nextRelease(MonotonicTime now) const {
  if (!bucket_) return std::chrono::nanoseconds(0);
  return bucket_->untilNextFill(now);
}

}  // namespace meshproxy::filters::fault
