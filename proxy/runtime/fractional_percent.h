// envoy.type.v3.FractionalPercent as a plain value, and Envoy's rule for evaluating one.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace envoy::type::v3 {
class FractionalPercent;
}

namespace meshproxy::runtime {

struct FractionalPercent {
  uint32_t numerator = 0;
  uint32_t denominator = 100;  // 100, 10000 or 1000000 (HUNDRED, TEN_THOUSAND, MILLION)

  // Envoy's ProtobufPercentHelper::evaluateFractionalPercent: a numerator above the
  // denominator is always true.
  bool evaluate(uint64_t random) const { return random % denominator < numerator; }
  bool operator==(const FractionalPercent&) const = default;
};

// InvalidArgument for a denominator outside the enum.
absl::StatusOr<FractionalPercent> translateFractionalPercent(
    const envoy::type::v3::FractionalPercent& proto);

// 100, 10000 or 1000000 for "HUNDRED", "TEN_THOUSAND", "MILLION"; 0 for anything else.
uint32_t denominatorFromName(std::string_view name);

}  // namespace meshproxy::runtime
