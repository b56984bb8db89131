#include "proxy/stats/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace meshproxy::stats {
namespace {

// Values are whole milliseconds, so bucket i holds exactly the integers in
// (kIntegerBounds[i-1], kIntegerBounds[i]]; bucket 0 (le 0.5) holds only 0. Searching integers
// avoids a double conversion per sample, and interpolating over the integers a bucket can hold
// keeps p50 of "all 1ms" at 1 rather than somewhere between 0.5 and 1.
constexpr std::array<uint64_t, kHistogramBuckets.size()> kIntegerBounds = [] {
  std::array<uint64_t, kHistogramBuckets.size()> bounds{};
  for (size_t i = 0; i < bounds.size(); ++i) {
    bounds[i] = static_cast<uint64_t>(kHistogramBuckets[i]);  // floor: 0.5 -> 0
  }
  return bounds;
}();

size_t slotFor(uint64_t value) {
  // First bound >= value; past-the-end is the overflow slot.
  return static_cast<size_t>(std::lower_bound(kIntegerBounds.begin(), kIntegerBounds.end(), value) -
                             kIntegerBounds.begin());
}

}  // namespace

Histogram::Histogram(StatName name)
    : name_(std::move(name)), own_(new std::atomic<uint64_t>[kWidth]()), cells_(own_.get(), 1) {}

Histogram::Histogram(StatName name, ShardCells cells) : name_(std::move(name)), cells_(cells) {}

void Histogram::record(uint64_t value_ms) { cells_.add2(slotFor(value_ms), 1, kSumCell, value_ms); }

HistogramSnapshot Histogram::snapshot() const {
  // Merges the per-worker copies: each bucket and the sum are summed over the shards.
  HistogramSnapshot snap;
  for (size_t i = 0; i < kHistogramSlots; ++i) {
    snap.counts[i] = cells_.sum(i);
    snap.count += snap.counts[i];
  }
  snap.sum = cells_.sum(kSumCell);
  return snap;
}

std::array<uint64_t, kHistogramSlots> HistogramSnapshot::cumulative() const {
  std::array<uint64_t, kHistogramSlots> out{};
  uint64_t running = 0;
  for (size_t i = 0; i < kHistogramSlots; ++i) {
    running += counts[i];
    out[i] = running;
  }
  return out;
}

double HistogramSnapshot::quantile(double q) const {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(count);
  const size_t overflow = kHistogramSlots - 1;
  uint64_t before = 0;
  for (size_t i = 0; i < kHistogramSlots; ++i) {
    const uint64_t in_bucket = counts[i];
    if (in_bucket == 0) continue;
    if (rank <= static_cast<double>(before + in_bucket)) {
      if (i == overflow) return static_cast<double>(kIntegerBounds.back());
      const double lo = i == 0 ? 0.0 : static_cast<double>(kIntegerBounds[i - 1] + 1);
      const double hi = static_cast<double>(kIntegerBounds[i]);
      const double fraction = std::clamp(
          (rank - static_cast<double>(before)) / static_cast<double>(in_bucket), 0.0, 1.0);
      return lo + (hi - lo) * fraction;
    }
    before += in_bucket;
  }
  // Only reachable when rounding pushes rank past the last running total (counts above 2^53):
  // answer with the top of the highest non-empty bucket.
  for (size_t i = kHistogramSlots; i-- > 0;) {
    if (counts[i] > 0) return static_cast<double>(kIntegerBounds[std::min(i, overflow - 1)]);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace meshproxy::stats
