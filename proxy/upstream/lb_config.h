#pragma once

#include <cstdint>

namespace meshproxy::upstream {

enum class HashFunction { kXxHash, kMurmurHash2 };

// The load-balancing parameters of a cluster after translation (lb_policy's *_lb_config, the
// load_balancing_policy typed forms and common_lb_config). Defaults are Envoy's.
struct LbConfig {
  // LEAST_REQUEST: hosts drawn per pick (choice_count) and how strongly the active request
  // count weighs against the host weight (active_request_bias; 1.0 divides by the count).
  uint32_t choice_count = 2;
  double active_request_bias = 1.0;
  // RING_HASH: ring entries; the ring is as small as lets the lightest host get at least one
  // entry for every minimum_ring_size / host weight share, capped at maximum_ring_size.
  uint64_t minimum_ring_size = 1024;
  uint64_t maximum_ring_size = 8 * 1024 * 1024;
  // MAGLEV: lookup table entries (a prime).
  uint64_t maglev_table_size = 65537;
  // common_lb_config.healthy_panic_threshold, percent: below it a priority level balances over
  // all its hosts, healthy or not. 0 disables panic mode.
  double healthy_panic_threshold = 50.0;
  // common_lb_config.locality_weighted_lb_config: pick a locality by its weight (scaled by its
  // health) first, then a host inside it.
  bool locality_weighted = false;
  // RING_HASH: ring_hash_lb_config.hash_function.
  HashFunction hash_function = HashFunction::kXxHash;
};

}  // namespace meshproxy::upstream
