#include "xds/server/ratelimit_decision.h"

#include "absl/strings/str_cat.h"

namespace meshproxy::xds_server::ratelimit {

absl::StatusOr<std::vector<uint64_t>> InMemoryCounterStore::increment(
    const std::vector<CounterIncrement>& increments) {
  std::vector<uint64_t> values;
  values.reserve(increments.size());
  for (const CounterIncrement& i : increments) values.push_back(counters_[i.key] += i.hits);
  return values;
}

absl::StatusOr<Decision> shouldRateLimit(const RateLimitConfig& config, std::string_view domain,
                                         const std::vector<Descriptor>& descriptors,
                                         uint32_t hits_addend,
                                         std::chrono::system_clock::time_point now,
                                         CounterStore& store) {
  using std::chrono::seconds;
  const uint32_t hits = hits_addend == 0 ? 1 : hits_addend;  // 0 means 1 in the protocol
  const int64_t now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  Decision d;
  d.statuses.resize(descriptors.size());
  std::vector<CounterIncrement> increments;
  std::vector<size_t> owner;  // increments[k] belongs to descriptors[owner[k]]
  std::vector<bool> shadow(descriptors.size(), false);
  for (size_t i = 0; i < descriptors.size(); ++i) {
    auto m = config.match(domain, descriptors[i]);
    if (!m || m->limit->unlimited) continue;
    const int64_t unit = unitDuration(m->limit->unit).count();
    const int64_t window = now_s / unit * unit;
    d.statuses[i].limit = m->limit;
    d.statuses[i].duration_until_reset = seconds(window + unit - now_s);
    shadow[i] = m->shadow_mode;
    increments.push_back({absl::StrCat(m->counter_key, "_", window), hits, seconds(unit)});
    owner.push_back(i);
  }
  if (increments.empty()) return d;
  auto values = store.increment(increments);
  if (!values.ok()) return values.status();
  if (values->size() != increments.size()) {
    return absl::InternalError("counter store answered a different number of counters");
  }
  for (size_t k = 0; k < increments.size(); ++k) {
    DescriptorStatus& s = d.statuses[owner[k]];
    const uint64_t limit = s.limit->requests_per_unit;
    const uint64_t after = (*values)[k];
    s.limit_remaining = after >= limit ? 0 : static_cast<uint32_t>(limit - after);
    if (after <= limit) continue;
    if (shadow[owner[k]]) {
      ++d.shadow_over_limit;  // counted, and allowed
      continue;
    }
    s.code = Code::kOverLimit;
    d.overall = Code::kOverLimit;
  }
  return d;
}

}  // namespace meshproxy::xds_server::ratelimit
