#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "xds/server/ratelimit_config.h"

// ShouldRateLimit of the rate limit service over a counter store: fixed windows (the window of
// a limit with unit U starts at floor(now / U) * U; each descriptor's counter for that window is
// incremented by hits_addend and expires with the window). The store is Redis in the service
// (INCRBY + EXPIRE, pipelined, so N sidecars share one count) and in memory in tests.
namespace meshproxy::xds_server::ratelimit {

struct CounterIncrement {
  std::string key;  // "<domain>_<key>_<value>..._<window start in seconds>"
  uint64_t hits;
  std::chrono::seconds ttl;  // the window's length: the counter dies with its window
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  // Adds each increment and returns the counters' new values, in order; an error when the
  // store cannot be reached (the service then answers per its failure mode).
  virtual absl::StatusOr<std::vector<uint64_t>> increment(
      const std::vector<CounterIncrement>& increments) = 0;
};

// For tests and single-process use. Expired windows are simply never read again.
class InMemoryCounterStore final : public CounterStore {
 public:
  absl::StatusOr<std::vector<uint64_t>> increment(
      const std::vector<CounterIncrement>& increments) override;

 private:
  absl::flat_hash_map<std::string, uint64_t> counters_;
};

enum class Code : uint8_t { kOk, kOverLimit };

struct DescriptorStatus {
  Code code = Code::kOk;
  const RateLimit* limit = nullptr;  // null: no rule matched (or unlimited)
  uint32_t limit_remaining = 0;
  std::chrono::seconds duration_until_reset{0};
};

struct Decision {
  Code overall = Code::kOk;
  std::vector<DescriptorStatus> statuses;  // one per request descriptor, in order
  uint32_t shadow_over_limit = 0;          // over the limit, but in shadow mode: allowed
};

using Descriptor = std::vector<std::pair<std::string, std::string>>;

// `now`: wall time (windows are aligned to the clock, so every replica agrees on them).
absl::StatusOr<Decision> shouldRateLimit(const RateLimitConfig& config, std::string_view domain,
                                         const std::vector<Descriptor>& descriptors,
                                         uint32_t hits_addend,
                                         std::chrono::system_clock::time_point now,
                                         CounterStore& store);

}  // namespace meshproxy::xds_server::ratelimit
