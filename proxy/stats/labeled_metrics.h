#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/histogram.h"
#include "proxy/stats/store.h"

namespace meshproxy::stats {

// One metric of a labeled family: its Prometheus name as is ("istio_requests_total") and kind.
struct LabeledMetricSpec {
  enum class Kind { kCounter, kHistogram };
  std::string name;
  Kind kind = Kind::kCounter;
};

// The stats of one label set: one per spec, in spec order (counter or histogram by kind).
struct LabeledSeries {
  std::vector<Counter*> counters;      // nullptr where the spec is a histogram
  std::vector<Histogram*> histograms;  // nullptr where the spec is a counter
};

// Metrics that share a fixed list of label names and get a series per distinct label set, on
// the Store's per-worker cells (so recording is a worker-local add, as for every stat).
// Cardinality is bounded: after `max_series` distinct label sets, any new set records into
// one overflow series whose every label value is "overflow", and `overflowed` counts the
// lookups of refused label sets (each refused set at least once: workers memoize the answer).
// Series are never freed (the Store keeps every stat), which the bound makes safe.
//
// Thread-safe; find() takes a mutex. The data path goes through a per-worker
// LabeledSeriesCache, which calls find() once per distinct label set and worker.
class LabeledMetrics {
 public:
  static constexpr std::string_view kOverflowValue = "overflow";

  LabeledMetrics(Store& store, std::vector<LabeledMetricSpec> metrics,
                 std::vector<std::string> label_names, size_t max_series,
                 Counter* overflowed = nullptr);

  // The series for `values` (one per label name, in order), created on first use.
  const LabeledSeries& find(std::span<const std::string_view> values);

  size_t labelCount() const { return label_names_.size(); }
  size_t seriesCount() const;
  size_t maxSeries() const { return max_series_; }
  Counter* overflowed() const { return overflowed_; }

 private:
  std::unique_ptr<LabeledSeries> create(std::span<const std::string_view> values);

  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::span<const std::string_view> key) const;
    size_t operator()(const std::vector<std::string>& key) const;
  };
  struct KeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (std::string_view(a[i]) != std::string_view(b[i])) return false;
      }
      return true;
    }
  };
  friend class LabeledSeriesCache;

  Store& store_;
  const std::vector<LabeledMetricSpec> metrics_;
  const std::vector<std::string> label_names_;
  const size_t max_series_;
  Counter* const overflowed_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::vector<std::string>, std::unique_ptr<LabeledSeries>, KeyHash, KeyEq>
      series_;
  std::unique_ptr<LabeledSeries> overflow_;
};

// One worker's memo of label set -> series, so a record is one hash lookup of string_views and
// no lock once the worker has seen the set. Bounded too: past the family's max_series entries
// (plus a margin) it stops memoizing and asks the family (a locked lookup), which only happens
// once the family itself overflows.
class LabeledSeriesCache {
 public:
  explicit LabeledSeriesCache(LabeledMetrics& family) : family_(family) {}

  const LabeledSeries& find(std::span<const std::string_view> values);
  size_t size() const { return cache_.size(); }

 private:
  LabeledMetrics& family_;
  absl::flat_hash_map<std::vector<std::string>, const LabeledSeries*, LabeledMetrics::KeyHash,
                      LabeledMetrics::KeyEq>
      cache_;
};

}  // namespace meshproxy::stats
