#include "proxy/stats/text_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

namespace meshproxy::stats {
namespace {

struct QuantileLabel {
  double q;
  std::string_view label;
};

// Envoy's default supported quantiles, with labels spelled out so no float formatting is involved.
constexpr std::array<QuantileLabel, 10> kQuantiles = {{{0.0, "P0"},
                                                       {0.25, "P25"},
                                                       {0.5, "P50"},
                                                       {0.75, "P75"},
                                                       {0.9, "P90"},
                                                       {0.95, "P95"},
                                                       {0.99, "P99"},
                                                       {0.995, "P99.5"},
                                                       {0.999, "P99.9"},
                                                       {1.0, "P100"}}};

void appendHistogram(std::string& out, const Histogram& histogram) {
  const HistogramSnapshot snap = histogram.snapshot();
  out.append(histogram.name().full).push_back(':');
  if (snap.count == 0) {
    out.append(" No recorded values\n");
    return;
  }
  for (const QuantileLabel& q : kQuantiles) {
    fmt::format_to(std::back_inserter(out), " {}(nan,{})", q.label,
                   formatQuantileValue(snap.quantile(q.q)));
  }
  out.push_back('\n');
}

}  // namespace

std::string formatQuantileValue(double value) {
  if (std::isnan(value)) return "nan";
  // fmt's shortest round-trip form only switches to an exponent beyond 1e16, far above any
  // millisecond bucket bound, so rounding first is enough to keep the figure short and plain.
  return fmt::format("{}", std::round(value * 1000.0) / 1000.0);
}

std::string formatText(const StatSet& stats) {
  // Counters and gauges form one listing sorted by name, as in Envoy. Sorting here (rather than
  // trusting the input order) keeps hand-built StatSets correct; this is the admin path.
  std::vector<std::pair<std::string_view, std::string>> lines;
  lines.reserve(stats.counters.size() + stats.gauges.size());
  for (const Counter* c : stats.counters) {
    lines.emplace_back(c->name().full, std::to_string(c->value()));
  }
  for (const Gauge* g : stats.gauges) {
    lines.emplace_back(g->name().full, std::to_string(g->value()));
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Histogram*> histograms = stats.histograms;
  std::stable_sort(
      histograms.begin(), histograms.end(),
      [](const Histogram* a, const Histogram* b) { return a->name().full < b->name().full; });

  std::string out;
  for (const auto& [name, value] : lines) {
    fmt::format_to(std::back_inserter(out), "{}: {}\n", name, value);
  }
  for (const Histogram* h : histograms) appendHistogram(out, *h);
  return out;
}

}  // namespace meshproxy::stats
