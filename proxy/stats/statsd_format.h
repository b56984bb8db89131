#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "proxy/stats/stat_set.h"

namespace meshproxy::stats {

// How one statsd sink spells its lines (Envoy's envoy.stat_sinks.statsd and
// envoy.stat_sinks.dog_statsd).
struct StatsdFormat {
  // Put before every name with a dot; Envoy's default is "envoy".
  std::string prefix = "envoy";
  // DogStatsD: the tag-extracted name, and the tags as "|#name:value,..." (Envoy's tag names:
  // "envoy.cluster_name"). Plain statsd: the full dotted name, no tags.
  bool tags = false;
};

// What a sink sent last, so that each flush sends what changed since (Envoy's flush):
// counters as deltas "|c" (every counter that was ever incremented, as Envoy sends its "used"
// counters), gauges as levels "|g" (every gauge that was ever set non-zero), histograms as
// timers "|ms": the samples recorded since the last flush. meshproxy keeps a histogram as
// bucket counts, not samples, so a bucket that got n new samples is one line whose value is
// the middle of the bucket's whole milliseconds (the last bound for the overflow bucket), sent
// with sample rate 1/n
// ("|@0.25"): statsd daemons then count n samples at that value. Main thread only.
class StatsdFlushState {
 public:
  std::vector<std::string> lines(const StatSet& set, const StatsdFormat& format);

 private:
  absl::flat_hash_map<const Counter*, uint64_t> counters_;
  absl::flat_hash_set<const Gauge*> used_gauges_;
  absl::flat_hash_map<const Histogram*, std::array<uint64_t, kHistogramSlots>> histograms_;
};

// Lines joined with '\n' into payloads of at most `max_bytes` (a longer line goes alone);
// max_bytes 0: one line per payload.
std::vector<std::string> packStatsdLines(const std::vector<std::string>& lines, size_t max_bytes);

}  // namespace meshproxy::stats
