#include "proxy/runtime/entry.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace meshproxy::runtime {
namespace {

void setNumber(Entry& entry, double value) {
  entry.double_value = value;
  if (std::abs(value) < static_cast<double>(std::numeric_limits<int>::max()) &&
      value == std::floor(value)) {
    entry.bool_value = value != 0;
  }
  // 2^64 as a double: anything below converts to uint64_t without overflow.
  if (value >= 0 && value < 18446744073709551616.0) {
    entry.uint_value = static_cast<uint64_t>(value);
  }
}

std::string formatNumber(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e18) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrCat(value);
}

// numerator (a non-negative integer) and denominator (an enum name or number, default
// HUNDRED), from a YAML/JSON map; nullopt when it is not exactly that.
std::optional<FractionalPercent> fractionalFromYaml(const std::string& text) {
  try {
    YAML::Node node = YAML::Load(text);
    if (!node.IsMap()) return std::nullopt;
    FractionalPercent out;
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (key == "numerator") {
        out.numerator = kv.second.as<uint32_t>();
      } else if (key == "denominator") {
        const std::string d = kv.second.as<std::string>();
        uint32_t index = 0;
        if (absl::SimpleAtoi(d, &index)) {
          if (index > 2) return std::nullopt;
          out.denominator = index == 0 ? 100 : index == 1 ? 10000 : 1000000;
        } else {
          out.denominator = denominatorFromName(d);
          if (out.denominator == 0) return std::nullopt;
        }
      } else {
        return std::nullopt;
      }
    }
    return out;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

Entry entryFromString(std::string value) {
  Entry entry;
  entry.raw = std::move(value);
  absl::string_view stripped = absl::StripAsciiWhitespace(entry.raw);
  if (absl::EqualsIgnoreCase(stripped, "true") || absl::EqualsIgnoreCase(stripped, "false")) {
    entry.bool_value = absl::EqualsIgnoreCase(stripped, "true");
    return entry;
  }
  double number = 0;
  if (absl::SimpleAtod(stripped, &number) && std::isfinite(number)) {
    setNumber(entry, number);
    return entry;
  }
  entry.fractional_percent = fractionalFromYaml(entry.raw);
  return entry;
}

absl::StatusOr<Entry> entryFromValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return entryFromString(value.string_value());
    case google::protobuf::Value::kNumberValue: {
      Entry entry;
      entry.raw = formatNumber(value.number_value());
      setNumber(entry, value.number_value());
      return entry;
    }
    case google::protobuf::Value::kBoolValue: {
      Entry entry;
      entry.bool_value = value.bool_value();
      entry.raw = value.bool_value() ? "true" : "false";
      return entry;
    }
    case google::protobuf::Value::kStructValue: {
      Entry entry;
      (void)google::protobuf::util::MessageToJsonString(value.struct_value(), &entry.raw);
      entry.fractional_percent = fractionalFromYaml(entry.raw);
      return entry;
    }
    default:
      return absl::InvalidArgumentError(
          "a runtime value must be a number, bool, string or "
          "FractionalPercent, not a list or null");
  }
}

}  // namespace meshproxy::runtime
