#include "proxy/stats/prometheus_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <string_view>
#include <tuple>

#include "absl/strings/ascii.h"

namespace meshproxy::stats {
namespace {

void appendSanitized(std::string& out, std::string_view name) {
  for (char c : name) out.push_back(absl::ascii_isalnum(c) ? c : '_');
}

// One sample line's identity; `stat` is the index into the input list it came from.
struct Series {
  std::string metric;
  std::string labels;
  size_t stat;

  bool operator<(const Series& other) const {
    return std::tie(metric, labels) < std::tie(other.metric, other.labels);
  }
};

template <typename T>
std::vector<Series> sortedSeries(const std::vector<const T*>& stats) {
  std::vector<Series> series;
  series.reserve(stats.size());
  for (size_t i = 0; i < stats.size(); ++i) {
    const StatName& name = stats[i]->name();
    series.push_back(Series{name.prometheus_name.empty() ? prometheusMetricName(name.tag_extracted)
                                                         : name.prometheus_name,
                            formatLabels(name.tags), i});
  }
  std::sort(series.begin(), series.end());
  return series;
}

// Counters and gauges share this: TYPE line per metric, then "metric{labels} value".
template <typename T>
void appendScalars(std::string& out, const std::vector<const T*>& stats, std::string_view type) {
  const std::string* previous = nullptr;
  for (const Series& s : sortedSeries(stats)) {
    if (previous == nullptr || *previous != s.metric) {
      fmt::format_to(std::back_inserter(out), "# TYPE {} {}\n", s.metric, type);
    }
    previous = &s.metric;
    fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", s.metric, s.labels,
                   stats[s.stat]->value());
  }
}

// The `le` values, formatted once: fmt prints 0.5 as "0.5" and 3600000.0 as "3600000", which is
// what Envoy emits.
const std::array<std::string, kHistogramBuckets.size()>& bucketLabels() {
  static const auto* labels = [] {
    auto* out = new std::array<std::string, kHistogramBuckets.size()>;
    for (size_t i = 0; i < kHistogramBuckets.size(); ++i) {
      (*out)[i] = fmt::format("{}", kHistogramBuckets[i]);
    }
    return out;
  }();
  return *labels;
}

void appendHistograms(std::string& out, const std::vector<const Histogram*>& stats) {
  const std::string* previous = nullptr;
  for (const Series& s : sortedSeries(stats)) {
    if (previous == nullptr || *previous != s.metric) {
      fmt::format_to(std::back_inserter(out), "# TYPE {} histogram\n", s.metric);
    }
    previous = &s.metric;
    const HistogramSnapshot snap = stats[s.stat]->snapshot();
    const auto cumulative = snap.cumulative();
    const std::string_view separator = s.labels.empty() ? "" : ",";
    auto sink = std::back_inserter(out);
    for (size_t i = 0; i < kHistogramBuckets.size(); ++i) {
      fmt::format_to(sink, "{}_bucket{{{}{}le=\"{}\"}} {}\n", s.metric, s.labels, separator,
                     bucketLabels()[i], cumulative[i]);
    }
    fmt::format_to(sink, "{}_bucket{{{}{}le=\"+Inf\"}} {}\n", s.metric, s.labels, separator,
                   cumulative.back());
    fmt::format_to(sink, "{}_sum{{{}}} {}\n", s.metric, s.labels, snap.sum);
    fmt::format_to(sink, "{}_count{{{}}} {}\n", s.metric, s.labels, snap.count);
  }
}

}  // namespace

std::string prometheusMetricName(std::string_view tag_extracted_name) {
  std::string out = "envoy_";
  appendSanitized(out, tag_extracted_name);
  return out;
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string formatLabels(const std::vector<Tag>& tags) {
  std::string out;
  for (const Tag& tag : tags) {
    if (!out.empty()) out.push_back(',');
    // A label name may not start with a digit; metric names avoid that via the "envoy_" prefix.
    if (!tag.name.empty() && absl::ascii_isdigit(tag.name.front())) out.push_back('_');
    appendSanitized(out, tag.name);
    fmt::format_to(std::back_inserter(out), "=\"{}\"", escapeLabelValue(tag.value));
  }
  return out;
}

std::string formatPrometheus(const StatSet& stats) {
  std::string out;
  appendScalars(out, stats.counters, "counter");
  appendScalars(out, stats.gauges, "gauge");
  appendHistograms(out, stats.histograms);
  return out;
}

}  // namespace meshproxy::stats
