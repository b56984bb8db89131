#include "proxy/stats/labeled_metrics.h"

#include <utility>

#include "absl/hash/hash.h"
#include "proxy/stats/prometheus_format.h"

namespace meshproxy::stats {

size_t LabeledMetrics::KeyHash::operator()(std::span<const std::string_view> key) const {
  size_t h = key.size();
  for (std::string_view v : key) h = absl::HashOf(h, v);
  return h;
}

size_t LabeledMetrics::KeyHash::operator()(const std::vector<std::string>& key) const {
  size_t h = key.size();
  for (const std::string& v : key) h = absl::HashOf(h, std::string_view(v));
  return h;
}

LabeledMetrics::LabeledMetrics(Store& store, std::vector<LabeledMetricSpec> metrics,
                               std::vector<std::string> label_names, size_t max_series,
                               Counter* overflowed)
    : store_(store),
      metrics_(std::move(metrics)),
      label_names_(std::move(label_names)),
      max_series_(max_series),
      overflowed_(overflowed) {}

size_t LabeledMetrics::seriesCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

std::unique_ptr<LabeledSeries> LabeledMetrics::create(std::span<const std::string_view> values) {
  auto series = std::make_unique<LabeledSeries>();
  std::vector<Tag> tags;
  tags.reserve(label_names_.size());
  for (size_t i = 0; i < label_names_.size(); ++i) {
    tags.push_back(Tag{label_names_[i], std::string(i < values.size() ? values[i] : "")});
  }
  const std::string labels = formatLabels(tags);
  for (const LabeledMetricSpec& spec : metrics_) {
    // /stats shows the Prometheus spelling: the label values are the name's only structure.
    StatName name{spec.name + "{" + labels + "}", spec.name, tags, spec.name};
    if (spec.kind == LabeledMetricSpec::Kind::kCounter) {
      series->counters.push_back(&store_.counter(std::move(name)));
      series->histograms.push_back(nullptr);
    } else {
      series->counters.push_back(nullptr);
      series->histograms.push_back(&store_.histogram(std::move(name)));
    }
  }
  return series;
}

const LabeledSeries& LabeledMetrics::find(std::span<const std::string_view> values) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = series_.find(values); it != series_.end()) return *it->second;
  if (series_.size() >= max_series_) {
    if (overflowed_ != nullptr) overflowed_->inc();
    if (overflow_ == nullptr) {
      std::vector<std::string_view> overflow(label_names_.size(), kOverflowValue);
      overflow_ = create(overflow);
    }
    return *overflow_;
  }
  std::vector<std::string> key(values.begin(), values.end());
  std::unique_ptr<LabeledSeries> series = create(values);
  const LabeledSeries& ref = *series;
  series_.emplace(std::move(key), std::move(series));
  return ref;
}

const LabeledSeries& LabeledSeriesCache::find(std::span<const std::string_view> values) {
  if (auto it = cache_.find(values); it != cache_.end()) return *it->second;
  const LabeledSeries& series = family_.find(values);
  if (cache_.size() < family_.maxSeries() + 64) {
    cache_.emplace(std::vector<std::string>(values.begin(), values.end()), &series);
  }
  return series;
}

}  // namespace meshproxy::stats
