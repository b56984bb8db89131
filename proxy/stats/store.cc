#include "proxy/stats/store.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "proxy/stats/prometheus_format.h"
#include "proxy/stats/text_format.h"

namespace meshproxy::stats {
namespace {

// `make(name)` builds the stat when the name is new.
template <typename T, typename Make>
T& findOrCreate(absl::flat_hash_map<std::string, std::unique_ptr<T>>& map, StatName name,
                Make make) {
  auto it = map.find(name.full);
  if (it != map.end()) return *it->second;
  std::string key = name.full;
  std::unique_ptr<T> stat = make(std::move(name));
  T& ref = *stat;
  map.emplace(std::move(key), std::move(stat));
  return ref;
}

// Collects under the caller's lock; the pointers stay valid after it is released because the
// store never frees a stat.
template <typename T>
std::vector<const T*> collect(const absl::flat_hash_map<std::string, std::unique_ptr<T>>& map,
                              const RE2* filter) {
  std::vector<const T*> out;
  out.reserve(map.size());
  for (const auto& [full, stat] : map) {
    if (filter == nullptr || RE2::PartialMatch(full, *filter)) out.push_back(stat.get());
  }
  std::sort(out.begin(), out.end(),
            [](const T* a, const T* b) { return a->name().full < b->name().full; });
  return out;
}

}  // namespace

Store::Store(StoreOptions options) : slab_(1 + options.worker_shards) {}
Store::~Store() = default;

Scope Store::rootScope() { return Scope(*this); }

Scope Store::scope(std::string_view kind, std::string_view value) {
  return rootScope().scope(kind, value);
}

Counter& Store::counter(StatName name) {
  std::lock_guard<std::mutex> lock(mu_);
  return findOrCreate(counters_, std::move(name), [this](StatName n) {
    return std::make_unique<Counter>(std::move(n), slab_.allocate(Counter::kWidth));
  });
}

Gauge& Store::gauge(StatName name) {
  std::lock_guard<std::mutex> lock(mu_);
  return findOrCreate(gauges_, std::move(name),
                      [](StatName n) { return std::make_unique<Gauge>(std::move(n)); });
}

Histogram& Store::histogram(StatName name) {
  std::lock_guard<std::mutex> lock(mu_);
  return findOrCreate(histograms_, std::move(name), [this](StatName n) {
    return std::make_unique<Histogram>(std::move(n), slab_.allocate(Histogram::kWidth));
  });
}

StatSet Store::all() const {
  std::lock_guard<std::mutex> lock(mu_);
  return StatSet{collect(counters_, nullptr), collect(gauges_, nullptr),
                 collect(histograms_, nullptr)};
}

absl::StatusOr<StatSet> Store::matching(std::string_view filter_regex) const {
  const RE2 filter(filter_regex, RE2::Quiet);
  if (!filter.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid stats filter regex '{}': {}", filter_regex, filter.error()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  return StatSet{collect(counters_, &filter), collect(gauges_, &filter),
                 collect(histograms_, &filter)};
}

std::string Store::renderText() const { return formatText(all()); }

absl::StatusOr<std::string> Store::renderText(std::string_view filter_regex) const {
  absl::StatusOr<StatSet> set = matching(filter_regex);
  if (!set.ok()) return set.status();
  return formatText(*set);
}

std::string Store::renderPrometheus() const { return formatPrometheus(all()); }

absl::StatusOr<std::string> Store::renderPrometheus(std::string_view filter_regex) const {
  absl::StatusOr<StatSet> set = matching(filter_regex);
  if (!set.ok()) return set.status();
  return formatPrometheus(*set);
}

uint32_t Store::shards() const { return slab_.shards(); }

size_t Store::cellBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return slab_.bytes();
}

}  // namespace meshproxy::stats
