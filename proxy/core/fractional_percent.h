#pragma once

#include <cstdint>

namespace meshproxy {

// envoy.type.v3.FractionalPercent after translation: numerator out of 100, 10'000 or 1'000'000.
// A numerator above the denominator means always (Envoy caps it).
struct FractionalPercent {
  uint32_t numerator = 0;
  uint32_t denominator = 100;

  static constexpr FractionalPercent always() { return {100, 100}; }
  static constexpr FractionalPercent never() { return {0, 100}; }

  // Envoy's evaluateFractionalPercent: one uniform 64-bit draw decides, so a config that is
  // enabled for 30% of requests is enabled for the same requests whatever else draws later.
  bool enabled(uint64_t random) const { return random % denominator < numerator; }

  bool operator==(const FractionalPercent&) const = default;
};

}  // namespace meshproxy
