// One runtime value, parsed once into every type it can be read as (Envoy's
// Runtime::Snapshot::Entry), so a lookup on the data path never parses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/runtime/fractional_percent.h"

namespace google::protobuf {
class Value;
}

namespace meshproxy::runtime {

struct Entry {
  std::string raw;  // as /runtime shows it
  std::optional<uint64_t> uint_value;
  std::optional<double> double_value;
  std::optional<bool> bool_value;
  std::optional<FractionalPercent> fractional_percent;
};

// A value given as a string (admin layer, a string in the static layer), typed as Envoy does:
// "true"/"false" (any case) is a boolean; a number is a double, and a non-negative one also an
// integer (floored) and, when integral, a boolean (non-zero); otherwise a YAML or JSON
// FractionalPercent ("{numerator: 5, denominator: TEN_THOUSAND}") if it is one.
Entry entryFromString(std::string value);

// A leaf of a static layer: number, bool, string, or a FractionalPercent struct (a struct
// with `numerator` or `denominator`, or an empty one). Lists and nulls are Envoy's
// "Invalid runtime entry value" (InvalidArgument).
absl::StatusOr<Entry> entryFromValue(const google::protobuf::Value& value);

}  // namespace meshproxy::runtime
