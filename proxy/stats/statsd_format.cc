#include "proxy/stats/statsd_format.h"

#include <fmt/format.h>

#include <string_view>

namespace meshproxy::stats {
namespace {

// ':', '|', '@', ',' and '#' separate fields of a statsd / DogStatsD line; a name or tag
// value containing them would be misread, so they become '_' (as Envoy sanitizes names).
std::string sanitize(std::string_view in) {
  std::string out(in);
  for (char& c : out) {
    if (c == ':' || c == '|' || c == '@' || c == ',' || c == '#' || c == '\n') c = '_';
  }
  return out;
}

// meshproxy keeps tag names as Prometheus labels ("envoy_cluster_name"); Envoy's sinks send
// its own spelling ("envoy.cluster_name").
std::string envoyTagName(std::string_view label) {
  constexpr std::string_view kEnvoy = "envoy_";
  if (label.substr(0, kEnvoy.size()) == kEnvoy) {
    return fmt::format("envoy.{}", label.substr(kEnvoy.size()));
  }
  return std::string(label);
}

std::string metricName(const StatName& name, const StatsdFormat& format) {
  const std::string& base = format.tags ? name.tag_extracted : name.full;
  return format.prefix.empty() ? sanitize(base)
                               : fmt::format("{}.{}", format.prefix, sanitize(base));
}

std::string tagSuffix(const StatName& name, const StatsdFormat& format) {
  if (!format.tags || name.tags.empty()) return {};
  std::string out = "|#";
  for (size_t i = 0; i < name.tags.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}:{}", sanitize(envoyTagName(name.tags[i].name)),
                       sanitize(name.tags[i].value));
  }
  return out;
}

// The value a bucket's samples are reported at (see StatsdFlushState): samples are whole
// milliseconds, so the middle of the whole numbers in (lower, upper]; the last bound for the
// overflow bucket. Spelled without exponent ("3600000", "3.5").
std::string bucketValue(size_t slot) {
  if (slot >= kHistogramBuckets.size()) {
    return fmt::format("{}", static_cast<uint64_t>(kHistogramBuckets.back()));
  }
  const uint64_t upper = static_cast<uint64_t>(kHistogramBuckets[slot]);
  const uint64_t lowest = slot == 0 ? 0 : static_cast<uint64_t>(kHistogramBuckets[slot - 1]) + 1;
  const uint64_t twice = lowest + upper;
  return twice % 2 == 0 ? fmt::format("{}", twice / 2) : fmt::format("{}.5", twice / 2);
}

}  // namespace

std::vector<std::string> StatsdFlushState::lines(const StatSet& set, const StatsdFormat& format) {
  std::vector<std::string> out;
  for (const Counter* counter : set.counters) {
    const uint64_t value = counter->value();
    auto it = counters_.find(counter);
    if (it == counters_.end()) {
      if (value == 0) continue;  // never used
      it = counters_.emplace(counter, 0).first;
    }
    const uint64_t delta = value >= it->second ? value - it->second : value;
    it->second = value;
    out.push_back(fmt::format("{}:{}|c{}", metricName(counter->name(), format), delta,
                              tagSuffix(counter->name(), format)));
  }
  for (const Gauge* gauge : set.gauges) {
    const int64_t value = gauge->value();
    if (value != 0) used_gauges_.insert(gauge);
    if (!used_gauges_.contains(gauge)) continue;
    out.push_back(fmt::format("{}:{}|g{}", metricName(gauge->name(), format), value,
                              tagSuffix(gauge->name(), format)));
  }
  for (const Histogram* histogram : set.histograms) {
    const HistogramSnapshot snapshot = histogram->snapshot();
    auto& last = histograms_[histogram];
    std::string name;
    std::string tags;
    for (size_t slot = 0; slot < kHistogramSlots; ++slot) {
      const uint64_t now = snapshot.counts[slot];
      const uint64_t n = now >= last[slot] ? now - last[slot] : now;
      last[slot] = now;
      if (n == 0) continue;
      if (name.empty()) {
        name = metricName(histogram->name(), format);
        tags = tagSuffix(histogram->name(), format);
      }
      if (n == 1) {
        out.push_back(fmt::format("{}:{}|ms{}", name, bucketValue(slot), tags));
      } else {
        out.push_back(fmt::format("{}:{}|ms|@{}{}", name, bucketValue(slot), 1.0 / n, tags));
      }
    }
  }
  return out;
}

std::vector<std::string> packStatsdLines(const std::vector<std::string>& lines, size_t max_bytes) {
  std::vector<std::string> out;
  std::string current;
  for (const std::string& line : lines) {
    if (max_bytes == 0) {
      out.push_back(line);
      continue;
    }
    if (!current.empty() && current.size() + 1 + line.size() > max_bytes) {
      out.push_back(std::move(current));
      current.clear();
    }
    if (!current.empty()) current += '\n';
    current += line;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace meshproxy::stats
