#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/matcher/string_matcher.h"

namespace google::protobuf {
class Struct;
class Value;
}  // namespace google::protobuf
namespace envoy::type::matcher::v3 {
class MetadataMatcher;
class ValueMatcher;
}  // namespace envoy::type::matcher::v3

namespace meshproxy::matcher {

// envoy.type.matcher.v3.ValueMatcher, compiled, with Envoy's semantics: a value of another kind
// never matches; present_match: true matches any value that is set, present_match: false matches
// nothing (absence is tested with MetadataMatcher's invert); list_match matches a list with one
// element matching; or_match any of its matchers.
class ValueMatcher {
 public:
  enum class Kind : uint8_t {
    kNull,
    kDoubleRange,
    kDoubleExact,
    kString,
    kBool,
    kPresent,
    kList,
    kOr
  };

  static ValueMatcher null();
  static ValueMatcher doubleRange(double start, double end);  // [start, end)
  static ValueMatcher doubleExact(double value);
  static ValueMatcher string(StringMatcher matcher);
  static ValueMatcher boolean(bool value);
  static ValueMatcher present(bool present);
  static ValueMatcher list(ValueMatcher one_of);
  static ValueMatcher anyOf(std::vector<ValueMatcher> matchers);

  bool match(const google::protobuf::Value& value) const;

 private:
  explicit ValueMatcher(Kind kind) : kind_(kind) {}

  Kind kind_;
  bool flag_ = false;  // kBool: the value; kPresent: present_match
  double start_ = 0;   // kDoubleRange, kDoubleExact
  double end_ = 0;
  std::shared_ptr<const StringMatcher> string_;
  std::vector<ValueMatcher> children_;  // kList: one; kOr: several
};

// envoy.type.matcher.v3.MetadataMatcher: the value at `path` (keys down nested structs) in the
// `filter` namespace of dynamic metadata, matched by a ValueMatcher, the result inverted when
// `invert`. A missing namespace or key is an unset Value, as in Envoy (so only inverted
// matchers match it).
class MetadataMatcher {
 public:
  MetadataMatcher(std::string filter, std::vector<std::string> path, ValueMatcher value,
                  bool invert);

  // `filter` is the namespace; the caller looks it up (nullptr when absent).
  const std::string& filter() const { return filter_; }
  bool match(const google::protobuf::Struct* ns) const;

 private:
  std::string filter_;
  std::vector<std::string> path_;
  ValueMatcher value_;
  bool invert_;
};

// Config time. Errors name the field relative to the message given.
absl::StatusOr<ValueMatcher> translateValueMatcher(
    const envoy::type::matcher::v3::ValueMatcher& proto, uint32_t max_program_size);
absl::StatusOr<MetadataMatcher> translateMetadataMatcher(
    const envoy::type::matcher::v3::MetadataMatcher& proto, uint32_t max_program_size);

}  // namespace meshproxy::matcher
